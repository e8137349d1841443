package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// The words of every refusal about what a request carries. Each names the
// field, states the rule or the limit, and says how to fix it, the same way
// on every route: required, badField, checkLine; the JSON decoder's
// problems (syntax, types, unknown fields, a body that is not JSON) in
// jsonRefusal. The console shows the same refusals with its form's labels
// (platform.FieldError).

func invalid(msg string) error { return platform.ErrInvalidRequest.With(msg) }

// required refuses a missing field.
func required(field, fix string) error { return platform.NewFieldError(field, "is required", fix) }

// badField refuses a field's value.
func badField(field, problem, fix string) error { return platform.NewFieldError(field, problem, fix) }

// checkLine checks a one-line text field: valid UTF-8, no control
// characters (line breaks, tabs, NUL), at most max characters. An empty
// value is refused when isRequired.
func checkLine(field, value string, max int, isRequired bool) error {
	rule := fmt.Sprintf("use one line of at most %d characters", max)
	if isRequired {
		rule = fmt.Sprintf("use one line of 1 to %d characters", max)
	}
	switch n := utf8.RuneCountInString(value); {
	case n == 0 && isRequired:
		return required(field, rule)
	case !utf8.ValidString(value):
		return badField(field, "is not valid UTF-8 text", rule)
	case n > max:
		return badField(field, fmt.Sprintf("is longer than %d characters (it has %d)", max, n), "shorten it")
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return badField(field, fmt.Sprintf("contains a control character (a line break, tab or the like) at byte %d", i), rule)
	}
	return nil
}

// checkName checks a required name of at most 100 characters and returns
// it without surrounding spaces.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	return name, checkLine("name", name, 100, true)
}

// decodeJSON reads a bounded JSON object into v, refusing unknown fields
// and trailing data. An empty body leaves v as it is. The content type is
// not checked when the body is JSON (curl -d sends JSON as a form); when it
// is not, the refusal names the content type the request declared.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonRefusal(err, body, mediaType(r), v)
	}
	if dec.More() {
		return invalid("the body has more after its JSON object: send exactly one object")
	}
	return nil
}

// mediaType is the request's Content-Type without parameters, "" if none.
func mediaType(r *http.Request) string {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct
}

// jsonRefusal says why a body is not the JSON object a route takes. v is
// the route's input, for the names of the fields it takes.
func jsonRefusal(err error, body []byte, contentType string, v any) error {
	fields := jsonFields(v)
	want := "a JSON object"
	if fields != "" {
		want += " with the fields " + fields
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case !looksLikeJSON(body) && contentType != "" && contentType != "application/json":
		return hmacgate.ErrUnsupportedMediaType.With(fmt.Sprintf("this route takes %s, but the body is not JSON (Content-Type: %s): "+
			"send JSON, with Content-Type: application/json", want, contentType))
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimSpace(body)))):
		return invalid("the body's JSON ends before it is complete; this route takes " + want)
	case errors.As(err, &se):
		line, col := position(body, se.Offset)
		return invalid(fmt.Sprintf("the body is not valid JSON: syntax error at line %d, column %d; this route takes %s", line, col, want))
	case errors.As(err, &te) && te.Field == "":
		return invalid(fmt.Sprintf("the body is a JSON %s; this route takes %s", te.Value, want))
	case errors.As(err, &te):
		return badField(te.Field, fmt.Sprintf("must be %s, not a JSON %s", jsonKind(te.Type), te.Value), "")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return invalid(fmt.Sprintf("the body has an unknown field %s; this route takes %s", name, want))
	}
	return invalid("the body is not valid JSON; this route takes " + want)
}

// looksLikeJSON reports whether a body starts like a JSON object or array.
func looksLikeJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// position turns the offset of a JSON syntax error into the line and
// column of the byte refused, both from 1.
func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset] // the decoder stops after the byte it refused
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// jsonKind names the JSON type that fills a Go type.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// jsonFields lists the JSON names of the fields of the struct v points to.
func jsonFields(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// readBody reads the whole body up to web.MaxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > web.MaxBody {
		return nil, web.ErrBodyTooLarge
	} else if n >= 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, invalid("the body could not be read: it ended before its Content-Length")
		}
		return b, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, web.ErrBodyTooLarge
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
	switch ct := mediaType(r); ct {
	case "application/x-www-form-urlencoded":
		if looksLikeJSON(body) {
			// What curl -d sends: JSON declared as a form.
			return nil, hmacgate.ErrUnsupportedMediaType.With("the body is JSON but its Content-Type is " + ct +
				" (what curl -d sends): add -H 'Content-Type: application/json', or send the parameters as a form")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, invalid("the form body is malformed: encode it as application/x-www-form-urlencoded")
		}
		p.setAll(form)
	case "application/json", "":
		if err := p.readJSON(body); err != nil {
			return nil, err
		}
	default:
		return nil, hmacgate.ErrUnsupportedMediaType.With("the connect call's Content-Type is " + ct +
			": send the parameters as JSON (application/json), a form (application/x-www-form-urlencoded) or in the query string")
	}
	return p, nil
}

// readJSON reads a connect call's JSON body.
func (p *params) readJSON(body []byte) error {
	var in connectBody
	if err := json.Unmarshal(body, &in); err != nil {
		return jsonRefusal(err, body, "application/json", &in)
	}
	for _, f := range [...]struct{ name, v string }{{"public_key", in.PublicKey}, {"connection_id", in.ConnectionID}, {"hmac", in.HMAC}} {
		if f.v != "" {
			p.set(f.name, f.v)
		}
	}
	if len(in.Credentials) > 0 && string(in.Credentials) != "null" {
		if err := json.Unmarshal(in.Credentials, &p.credentials); err != nil {
			return badField("credentials", "must be an object of strings", `such as {"api_key": "…"}`)
		}
		p.hasCreds = true
	}
	p.setCredential("username", in.Username)
	p.setCredential("password", in.Password)
	p.setCredential("api_key", in.APIKey)
	return nil
}

// setCredential adds a credential that a body gave (nil: not given).
func (p *params) setCredential(name string, v *string) {
	if v == nil {
		return
	}
	if p.credentials == nil {
		p.credentials = map[string]string{}
	}
	p.credentials[name] = *v
	p.hasCreds = true
}
