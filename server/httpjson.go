package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

func invalid(msg string) error { return platform.ErrInvalidRequest.With(msg) }

// decodeJSON reads a bounded JSON body into v, refusing unknown fields and
// trailing data. An empty body leaves v as it is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("the body is not valid JSON for this route: " + jsonProblem(err))
	}
	if dec.More() {
		return invalid("the body has data after the JSON value")
	}
	return nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed"
}

// readBody reads the whole body up to web.MaxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= web.MaxBody {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, invalid("the body could not be read")
		}
		return b, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, hmacgate.ErrBodyTooLarge
		}
		return nil, invalid("the body could not be read")
	}
	return b, nil
}

// params are the parameters of a connect call, from the query string and
// then a form or JSON body (later sources win): the seed's frontend SDK sends
// them in the query string, hmacgate's sdk.js in a JSON body, which may also
// carry the end user's credentials.
type params struct {
	publicKey, connectionID, hmac string
	credentials                   map[string]string
	hasCreds                      bool
}

func (p *params) set(name, value string) {
	switch name {
	case "public_key":
		p.publicKey = value
	case "connection_id":
		p.connectionID = value
	case "hmac":
		p.hmac = value
	}
}

func (p *params) setAll(v url.Values) {
	for _, name := range [...]string{"public_key", "connection_id", "hmac"} {
		if vs := v[name]; len(vs) > 0 {
			p.set(name, vs[0])
		}
	}
}

// connectBody is the JSON body of a connect call. Unknown fields are
// ignored: this is the hottest route, and a misspelled field shows up as a
// missing value anyway.
type connectBody struct {
	PublicKey    string          `json:"public_key"`
	ConnectionID string          `json:"connection_id"`
	HMAC         string          `json:"hmac"`
	Credentials  json.RawMessage `json:"credentials"`
	Username     *string         `json:"username"`
	Password     *string         `json:"password"`
	APIKey       *string         `json:"api_key"`
}

// readParams reads the query and the body of a connect call.
func readParams(w http.ResponseWriter, r *http.Request) (*params, error) {
	p := &params{}
	if r.URL.RawQuery != "" {
		p.setAll(r.URL.Query())
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, invalid("the form body is malformed")
		}
		p.setAll(form)
	case "application/json", "":
		var in connectBody
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, invalid("the body is not valid JSON for a connect call: " + jsonProblem(err))
		}
		for _, f := range [...]struct{ name, v string }{{"public_key", in.PublicKey}, {"connection_id", in.ConnectionID}, {"hmac", in.HMAC}} {
			if f.v != "" {
				p.set(f.name, f.v)
			}
		}
		if len(in.Credentials) > 0 && string(in.Credentials) != "null" {
			if err := json.Unmarshal(in.Credentials, &p.credentials); err != nil {
				return nil, invalid("credentials must be an object of strings")
			}
			p.hasCreds = true
		}
		for _, f := range [...]struct {
			name string
			v    *string
		}{{"username", in.Username}, {"password", in.Password}, {"api_key", in.APIKey}} {
			if f.v != nil {
				if p.credentials == nil {
					p.credentials = map[string]string{}
				}
				p.credentials[f.name] = *f.v
				p.hasCreds = true
			}
		}
	default:
		return nil, hmacgate.ErrUnsupportedMediaType.With("send the connect parameters as JSON, a form, or in the query string")
	}
	return p, nil
}
