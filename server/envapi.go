package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// envAudit is the audit entry of a change to the call's environment, made
// by the call's actor: the environment's secret key or the console's admin.
func envAudit(c *call, action, detail string) platform.AuditEntry {
	actor := c.actor
	if actor == "" {
		actor = "env:" + c.env.env.ID
	}
	return platform.AuditEntry{Actor: actor, EnvID: c.env.env.ID, Action: action, Detail: detail}
}

func (s *Server) currentEnvironment(w http.ResponseWriter, _ *http.Request, c *call) error {
	out := struct {
		environmentJSON
		Keys int `json:"hmac_keys"`
	}{envJSON(c.env.env), len(c.env.keys)}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) envAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.writeAudit(w, r, c.env.env.ID)
}

// integrationID is the allowed form of an integration ID: no ':' (the
// digest joins IDs with ':'), nothing a URL path would mangle.
var integrationID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// checkIntegrationID says what is wrong with an integration ID, in words
// rather than the pattern.
func checkIntegrationID(id string) error {
	const rule = "use 1 to 64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit; " +
		"never ':', which joins the IDs in the signed message"
	switch {
	case id == "":
		return required("id", rule)
	case len(id) > 64:
		return badField("id", fmt.Sprintf("is longer than 64 characters (it has %d)", utf8.RuneCountInString(id)), rule)
	case strings.Contains(id, ":"):
		return badField("id", "contains ':'", rule)
	case !integrationID.MatchString(id):
		return badField("id", "has a character that is not allowed", rule)
	}
	return nil
}

type integrationJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	AuthMode  string    `json:"auth_mode"`
	CreatedAt time.Time `json:"created_at"`
}

// addIntegration checks and stores a new integration of the call's
// environment.
func (s *Server) addIntegration(ctx context.Context, c *call, in platform.IntegrationInput) (*platform.Integration, error) {
	if err := checkIntegrationID(in.ID); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = in.ID
	}
	if err := checkLine("name", in.Name, 100, false); err != nil {
		return nil, err
	}
	mode := platform.AuthMode(in.AuthMode)
	if in.AuthMode == "" {
		mode = platform.AuthNone
	}
	if !mode.Valid() {
		return nil, badField("auth_mode", `must be "none", "api_key" or "basic"`, "")
	}
	it := &platform.Integration{EnvID: c.env.env.ID, ID: in.ID, Name: in.Name, AuthMode: mode, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.store.CreateIntegration(ctx, it, envAudit(c, "integration.create", in.ID)); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return nil, platform.ErrConflict.With("an integration with the id " + web.Quote(in.ID) + " exists already: choose another id")
		}
		return nil, s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	return it, nil
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request, c *call) error {
	var in platform.IntegrationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := s.addIntegration(r.Context(), c, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, integrationJSON{it.ID, it.Name, string(it.AuthMode), it.CreatedAt})
	return nil
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, c *call) error {
	ins, err := s.store.Integrations(r.Context(), c.env.env.ID)
	if err != nil {
		return s.storeErr(err)
	}
	out := make([]integrationJSON, 0, len(ins))
	for _, it := range ins {
		out = append(out, integrationJSON{it.ID, it.Name, string(it.AuthMode), it.CreatedAt})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"integrations": out})
	return nil
}

type connJSON struct {
	IntegrationID string            `json:"integration_id"`
	ConnectionID  string            `json:"connection_id"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Credentials   map[string]string `json:"credentials,omitempty"`
}

func connectionJSON(c *platform.Connection, creds map[string]string) connJSON {
	return connJSON{c.IntegrationID, c.ConnectionID, c.CreatedAt, c.UpdatedAt, creds}
}

// connectionFilter reads a connection listing's parameters: integration,
// search, after (the cursor) and limit (1 to 500, default 50).
func connectionFilter(envID string, q url.Values) (platform.ConnectionFilter, error) {
	f := platform.ConnectionFilter{EnvID: envID, IntegrationID: q.Get("integration"), Search: q.Get("search"),
		After: q.Get("after"), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, badField("limit", "must be a number from 1 to 500", "")
		}
		f.Limit = n
	}
	return f, nil
}

// connectionPage returns one page of connections and the cursor of the
// next page ("" on the last one).
func (s *Server) connectionPage(ctx context.Context, f platform.ConnectionFilter) ([]*platform.Connection, string, error) {
	limit := f.Limit
	f.Limit++ // one more tells whether a next page exists
	list, err := s.store.Connections(ctx, f)
	if err != nil {
		return nil, "", s.storeErr(err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		next = last.IntegrationID + "/" + last.ConnectionID
	}
	return list, next, nil
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := connectionFilter(c.env.env.ID, r.URL.Query())
	if err != nil {
		return err
	}
	list, next, err := s.connectionPage(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]connJSON, 0, len(list))
	for _, cn := range list {
		out = append(out, connectionJSON(cn, nil))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"connections": out, "next": next})
	return nil
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	cn, err := s.store.Connection(r.Context(), c.env.env.ID, r.PathValue("integration"), r.PathValue("connection"))
	if err != nil {
		return s.storeErr(err)
	}
	var creds map[string]string
	if r.URL.Query().Get("include_credentials") == "true" {
		if creds, err = s.openCredentials(cn); err != nil {
			return err
		}
	}
	web.WriteJSON(w, http.StatusOK, connectionJSON(cn, creds))
	return nil
}

// openCredentials unseals a connection's credentials; nil when it has none.
// A seal that does not open (a wrong master key, a row moved to another
// connection) is a 503, never an empty answer.
func (s *Server) openCredentials(cn *platform.Connection) (map[string]string, error) {
	if cn.SealedCredentials == nil {
		return nil, nil
	}
	plain, err := s.sealer.Open(cn.SealedCredentials, connContext(cn.EnvID, cn.IntegrationID, cn.ConnectionID))
	if err != nil {
		return nil, s.unavailable(err)
	}
	var creds map[string]string
	if err := json.Unmarshal(plain, &creds); err != nil {
		return nil, s.unavailable(err)
	}
	return creds, nil
}

// removeConnection deletes a connection of the call's environment.
func (s *Server) removeConnection(ctx context.Context, c *call, integration, connection string) error {
	err := s.store.DeleteConnection(ctx, c.env.env.ID, integration, connection,
		envAudit(c, "connection.delete", integration+"/"+connection))
	if err != nil {
		return s.storeErr(err)
	}
	return nil
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.removeConnection(r.Context(), c, r.PathValue("integration"), r.PathValue("connection")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// retireTime reads when the previous keys retire: "" (the default delay),
// "now", an RFC 3339 time or a duration from now.
func (s *Server) retireTime(raw string, now time.Time) (time.Time, error) {
	switch v := strings.TrimSpace(raw); v {
	case "":
		return now.Add(s.retire), nil
	case "now":
		return now, nil
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseDuration(v)
			if derr != nil || d < 0 {
				return time.Time{}, badField("retire_previous_at", `must be "now", an RFC 3339 time or a duration`, `such as "24h" or "2026-11-27T12:00:00Z"`)
			}
			t = now.Add(d)
		}
		if t.Before(now) {
			t = now
		}
		return t, nil
	}
}

// addHMACKey makes a new current HMAC key for the call's environment: the
// supplied one (at least MinKeyLen bytes) or, when supplied is nil, a
// generated one. The previous keys retire at retirePrevious (see
// retireTime). The key is sealed before it is stored.
func (s *Server) addHMACKey(ctx context.Context, c *call, supplied *string, retirePrevious string) (*platform.NewKey, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var key hmacgate.Key
	if supplied != nil {
		k, err := parseSuppliedKey(*supplied)
		if err != nil {
			return nil, err
		}
		key = k
	} else {
		key = hmacgate.GenerateKey()
	}
	retire, err := s.retireTime(retirePrevious, now)
	if err != nil {
		return nil, err
	}
	before, err := s.store.HMACKeys(ctx, c.env.env.ID, now)
	if err != nil {
		return nil, s.storeErr(err)
	}
	id := web.RandomToken("key_", 9)
	sk := &platform.StoredKey{ID: id, EnvID: c.env.env.ID, CreatedAt: now,
		Sealed: s.sealer.Seal([]byte(key.Reveal()), keyContext(c.env.env.ID, id))}
	detail := "key " + id + " (the first)"
	if len(before) > 0 {
		detail = "key " + id + "; previous keys retire at " + retire.Format(time.RFC3339)
	}
	if err := s.store.AddHMACKey(ctx, sk, retire, envAudit(c, "hmac.key.create", detail)); err != nil {
		return nil, s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	keys, err := s.store.HMACKeys(ctx, c.env.env.ID, now)
	if err != nil {
		return nil, s.storeErr(err)
	}
	return &platform.NewKey{ID: id, Key: key, CreatedAt: now, RetirePreviousAt: retire, Keys: keys}, nil
}

// maxKeyLen bounds a supplied HMAC key.
const maxKeyLen = 1024

// parseSuppliedKey checks a key the caller supplies. Its length is stated,
// the key itself never.
func parseSuppliedKey(raw string) (hmacgate.Key, error) {
	const fix = "use a key of at least 32 bytes, or leave key out to have one generated"
	if len(raw) > maxKeyLen {
		return hmacgate.Key{}, badField("key", fmt.Sprintf("is longer than %d bytes (it has %d)", maxKeyLen, len(raw)), fix)
	}
	k, err := hmacgate.ParseKey(raw)
	if err != nil || k.Weak() {
		return hmacgate.Key{}, badField("key", fmt.Sprintf("is shorter than %d bytes (it has %d)", hmacgate.MinKeyLen, len(raw)), fix)
	}
	return k, nil
}

func (s *Server) createHMACKey(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Key              *string `json:"key"`
		RetirePreviousAt string  `json:"retire_previous_at"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	k, err := s.addHMACKey(r.Context(), c, in.Key, in.RetirePreviousAt)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{
		"id": k.ID, "key": k.Key.Reveal(), "created_at": k.CreatedAt, "keys": platform.KeyInfos(k.Keys),
		"warning": "store this key now: it is shown only once and cannot be read back",
	})
	return nil
}

func (s *Server) listHMACKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	keys, err := s.store.HMACKeys(r.Context(), c.env.env.ID, s.now())
	if err != nil {
		return s.storeErr(err)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"keys": platform.KeyInfos(keys)})
	return nil
}

// checkMode says whether the call's environment may switch to the mode
// named raw: it must be a mode, and report and enforce need a key.
func (s *Server) checkMode(ctx context.Context, c *call, raw string) (platform.HMACMode, error) {
	mode := platform.HMACMode(raw)
	if raw == "" {
		return "", required("mode", `"off", "report" or "enforce"`)
	}
	if !mode.Valid() {
		return "", badField("mode", `must be "off", "report" or "enforce"`, "")
	}
	if mode != platform.ModeOff {
		keys, err := s.store.HMACKeys(ctx, c.env.env.ID, s.now())
		if err != nil {
			return "", s.storeErr(err)
		}
		if len(keys) == 0 {
			return "", platform.ErrNoKey
		}
	}
	return mode, nil
}

// changeMode switches the call's environment to the mode named raw and
// returns the mode it had.
func (s *Server) changeMode(ctx context.Context, c *call, raw string) (previous platform.HMACMode, err error) {
	mode, err := s.checkMode(ctx, c, raw)
	if err != nil {
		return "", err
	}
	previous = c.env.env.HMACMode
	if err := s.store.SetHMACMode(ctx, c.env.env.ID, mode, envAudit(c, "hmac.mode.set", string(previous)+" → "+string(mode))); err != nil {
		return "", s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	return previous, nil
}

func (s *Server) setHMACMode(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	previous, err := s.changeMode(r.Context(), c, in.Mode)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"mode": in.Mode, "previous": string(previous)})
	return nil
}

// buildReport builds the 24-hour report of an environment, counting the
// calls not yet flushed to the store.
func (s *Server) buildReport(ctx context.Context, st *envState) (*platform.Report, error) {
	s.report.Flush(ctx)
	end := s.now().UTC().Truncate(time.Hour)
	start := end.Add(-23 * time.Hour)
	rows, err := s.store.Report(ctx, st.env.ID, start)
	if err != nil {
		return nil, s.storeErr(err)
	}
	by := map[int64]platform.ReportCount{}
	for _, rc := range rows {
		by[rc.Hour.Unix()] = rc
	}
	rep := &platform.Report{Mode: string(st.env.HMACMode)}
	for h := start; !h.After(end); h = h.Add(time.Hour) {
		rc := by[h.Unix()]
		rep.Hours = append(rep.Hours, platform.ReportHour{Hour: h, Valid: rc.Valid, Missing: rc.Missing, Invalid: rc.Invalid})
		rep.Valid, rep.Missing, rep.Invalid = rep.Valid+rc.Valid, rep.Missing+rc.Missing, rep.Invalid+rc.Invalid
	}
	rep.Verdict = verdictText(rep)
	return rep, nil
}

func verdictText(r *platform.Report) string {
	total := r.Valid + r.Missing + r.Invalid
	bad := r.Missing + r.Invalid
	switch {
	case total == 0:
		return "No connect calls with a key to check against in the last 24 h: make some calls in report mode before switching to enforce."
	case bad == 0:
		return fmt.Sprintf("All %d connect calls in the last 24 h had a valid digest: switching to enforce would reject none of them.", total)
	case r.Mode == string(platform.ModeEnforce):
		return fmt.Sprintf("%d of %d connect calls in the last 24 h were refused: %d had no digest and %d a wrong one.", bad, total, r.Missing, r.Invalid)
	}
	return fmt.Sprintf("%d of %d connect calls in the last 24 h had no digest (%d) or a wrong one (%d): switching to enforce would reject them.",
		bad, total, r.Missing, r.Invalid)
}

func (s *Server) hmacReport(w http.ResponseWriter, r *http.Request, c *call) error {
	rep, err := s.buildReport(r.Context(), c.env)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}
