package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
)

func envAudit(c *call, action, detail string) hmacgate.AuditEntry {
	return hmacgate.AuditEntry{Actor: "env:" + c.env.env.ID, EnvID: c.env.env.ID, Action: action, Detail: detail}
}

func (s *Server) currentEnvironment(w http.ResponseWriter, _ *http.Request, c *call) error {
	out := struct {
		environmentJSON
		Keys int `json:"hmac_keys"`
	}{envJSON(c.env.env), len(c.env.keys)}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) envAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.writeAudit(w, r, c.env.env.ID)
}

// integrationID is the allowed form of an integration ID: no ':' (the
// digest joins IDs with ':'), nothing a URL path would mangle.
var integrationID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

type integrationJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	AuthMode  string    `json:"auth_mode"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		AuthMode string `json:"auth_mode"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if !integrationID.MatchString(in.ID) {
		return invalid("id must match [a-z0-9][a-z0-9._-]{0,63} (no ':')")
	}
	if in.Name == "" {
		in.Name = in.ID
	}
	if len(in.Name) > 100 {
		return invalid("name is longer than 100 characters")
	}
	mode := hmacgate.AuthMode(in.AuthMode)
	if in.AuthMode == "" {
		mode = hmacgate.AuthNone
	}
	if !mode.Valid() {
		return invalid(`auth_mode must be "none", "api_key" or "basic"`)
	}
	it := &hmacgate.Integration{EnvID: c.env.env.ID, ID: in.ID, Name: in.Name, AuthMode: mode, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.store.CreateIntegration(r.Context(), it, envAudit(c, "integration.create", in.ID)); err != nil {
		return s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	writeJSON(w, http.StatusCreated, integrationJSON{it.ID, it.Name, string(it.AuthMode), it.CreatedAt})
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
	writeJSON(w, http.StatusOK, map[string]any{"integrations": out})
	return nil
}

type connJSON struct {
	IntegrationID string            `json:"integration_id"`
	ConnectionID  string            `json:"connection_id"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Credentials   map[string]string `json:"credentials,omitempty"`
}

func connectionJSON(c *hmacgate.Connection, creds map[string]string) connJSON {
	return connJSON{c.IntegrationID, c.ConnectionID, c.CreatedAt, c.UpdatedAt, creds}
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return invalid("limit must be 1 to 500")
		}
		limit = n
	}
	list, err := s.store.Connections(r.Context(), hmacgate.ConnectionFilter{EnvID: c.env.env.ID,
		IntegrationID: q.Get("integration"), Search: q.Get("search"), After: q.Get("after"), Limit: limit + 1})
	if err != nil {
		return s.storeErr(err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		next = last.IntegrationID + "/" + last.ConnectionID
	}
	out := make([]connJSON, 0, len(list))
	for _, cn := range list {
		out = append(out, connectionJSON(cn, nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": out, "next": next})
	return nil
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	cn, err := s.store.Connection(r.Context(), c.env.env.ID, r.PathValue("integration"), r.PathValue("connection"))
	if err != nil {
		return s.storeErr(err)
	}
	var creds map[string]string
	if r.URL.Query().Get("include_credentials") == "true" && cn.SealedCredentials != nil {
		plain, err := s.sealer.Open(cn.SealedCredentials, connContext(cn.EnvID, cn.IntegrationID, cn.ConnectionID))
		if err != nil {
			return s.unavailable(err)
		}
		if err := json.Unmarshal(plain, &creds); err != nil {
			return s.unavailable(err)
		}
	}
	writeJSON(w, http.StatusOK, connectionJSON(cn, creds))
	return nil
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	in, cn := r.PathValue("integration"), r.PathValue("connection")
	if err := s.store.DeleteConnection(r.Context(), c.env.env.ID, in, cn, envAudit(c, "connection.delete", in+"/"+cn)); err != nil {
		return s.storeErr(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type keyJSON struct {
	ID        string     `json:"id"`
	Key       string     `json:"key,omitempty"` // only in the response that creates it
	Status    string     `json:"status"`        // "current" or "retiring"
	RetiresAt *time.Time `json:"retires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func keysJSON(keys []hmacgate.StoredKey) []keyJSON {
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		j := keyJSON{ID: k.ID, Status: "current", CreatedAt: k.CreatedAt}
		if !k.RetiresAt.IsZero() {
			t := k.RetiresAt
			j.Status, j.RetiresAt = "retiring", &t
		}
		out = append(out, j)
	}
	return out
}

func (s *Server) createHMACKey(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Key              *string `json:"key"`
		RetirePreviousAt string  `json:"retire_previous_at"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var key hmacgate.Key
	if in.Key != nil {
		k, err := hmacgate.ParseKey(*in.Key)
		if err != nil || k.Weak() {
			return invalid(fmt.Sprintf("a supplied key must be at least %d bytes; omit key to have one generated", hmacgate.MinKeyLen))
		}
		key = k
	} else {
		key = hmacgate.GenerateKey()
	}
	retire := now.Add(s.retire)
	switch v := strings.TrimSpace(in.RetirePreviousAt); v {
	case "":
	case "now":
		retire = now
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseDuration(v)
			if derr != nil || d < 0 {
				return invalid(`retire_previous_at must be "now", an RFC 3339 time or a duration such as "24h"`)
			}
			t = now.Add(d)
		}
		if t.Before(now) {
			t = now
		}
		retire = t
	}
	id := randomToken("key_", 9)
	sk := &hmacgate.StoredKey{ID: id, EnvID: c.env.env.ID, CreatedAt: now,
		Sealed: s.sealer.Seal([]byte(key.Reveal()), keyContext(c.env.env.ID, id))}
	detail := "key " + id + "; previous keys retire at " + retire.Format(time.RFC3339)
	if err := s.store.AddHMACKey(r.Context(), sk, retire, envAudit(c, "hmac.key.create", detail)); err != nil {
		return s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	keys, err := s.store.HMACKeys(r.Context(), c.env.env.ID, now)
	if err != nil {
		return s.storeErr(err)
	}
	out := keysJSON(keys)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": id, "key": key.Reveal(), "created_at": now, "keys": out,
		"warning": "store this key now: it is shown only once and cannot be read back",
	})
	return nil
}

func (s *Server) listHMACKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	keys, err := s.store.HMACKeys(r.Context(), c.env.env.ID, s.now())
	if err != nil {
		return s.storeErr(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keysJSON(keys)})
	return nil
}

func (s *Server) setHMACMode(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	mode := hmacgate.HMACMode(in.Mode)
	if !mode.Valid() {
		return invalid(`mode must be "off", "report" or "enforce"`)
	}
	if mode != hmacgate.ModeOff {
		keys, err := s.store.HMACKeys(r.Context(), c.env.env.ID, s.now())
		if err != nil {
			return s.storeErr(err)
		}
		if len(keys) == 0 {
			return hmacgate.ErrNoKey
		}
	}
	if err := s.store.SetHMACMode(r.Context(), c.env.env.ID, mode, envAudit(c, "hmac.mode.set", string(c.env.env.HMACMode)+" → "+string(mode))); err != nil {
		return s.storeErr(err)
	}
	s.cache.invalidate(c.env.env.ID)
	writeJSON(w, http.StatusOK, map[string]string{"mode": string(mode), "previous": string(c.env.env.HMACMode)})
	return nil
}

type hourJSON struct {
	Hour    time.Time `json:"hour"`
	Valid   int64     `json:"valid"`
	Missing int64     `json:"missing"`
	Invalid int64     `json:"invalid"`
}

// Report is the last 24 hours of connect-call verdicts, hour by hour.
type Report struct {
	Mode    string     `json:"mode"`
	Hours   []hourJSON `json:"hours"`
	Valid   int64      `json:"valid"`
	Missing int64      `json:"missing"`
	Invalid int64      `json:"invalid"`
	Verdict string     `json:"verdict"`
}

// report builds the 24-hour report of an environment.
func (s *Server) buildReport(r *http.Request, st *envState) (*Report, error) {
	s.report.Flush(r.Context())
	end := s.now().UTC().Truncate(time.Hour)
	start := end.Add(-23 * time.Hour)
	rows, err := s.store.Report(r.Context(), st.env.ID, start)
	if err != nil {
		return nil, s.storeErr(err)
	}
	by := map[int64]hmacgate.ReportCount{}
	for _, rc := range rows {
		by[rc.Hour.Unix()] = rc
	}
	rep := &Report{Mode: string(st.env.HMACMode)}
	for h := start; !h.After(end); h = h.Add(time.Hour) {
		rc := by[h.Unix()]
		rep.Hours = append(rep.Hours, hourJSON{h, rc.Valid, rc.Missing, rc.Invalid})
		rep.Valid, rep.Missing, rep.Invalid = rep.Valid+rc.Valid, rep.Missing+rc.Missing, rep.Invalid+rc.Invalid
	}
	rep.Verdict = verdictText(rep)
	return rep, nil
}

func verdictText(r *Report) string {
	total := r.Valid + r.Missing + r.Invalid
	bad := r.Missing + r.Invalid
	switch {
	case total == 0:
		return "No connect calls with a key to check against in the last 24 h: make some calls in report mode before switching to enforce."
	case bad == 0:
		return fmt.Sprintf("All %d connect calls in the last 24 h had a valid digest: switching to enforce would reject none of them.", total)
	case r.Mode == string(hmacgate.ModeEnforce):
		return fmt.Sprintf("%d of %d connect calls in the last 24 h were refused: %d had no digest and %d a wrong one.", bad, total, r.Missing, r.Invalid)
	}
	return fmt.Sprintf("%d of %d connect calls in the last 24 h had no digest (%d) or a wrong one (%d): switching to enforce would reject them.",
		bad, total, r.Missing, r.Invalid)
}

func (s *Server) hmacReport(w http.ResponseWriter, r *http.Request, c *call) error {
	rep, err := s.buildReport(r, c.env)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
