package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// environmentsView is the data of the environments page.
type environmentsView struct {
	Environments []*platform.Environment
	Name         string // the create form's value after a refusal
}

func (s *Console) environmentsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	envs, err := s.p.Environments(r.Context())
	if err != nil {
		return err
	}
	ev := &environmentsView{Environments: envs, Name: c.flash.formValue("name")}
	return s.render(w, r, c, http.StatusOK, "environments", &view{Title: "Environments", Section: "environments", Data: ev})
}

// environmentCreate creates an environment and leads to its settings
// page, which shows the secret key once.
func (s *Console) environmentCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	name := r.PostForm.Get("name")
	env, secret, err := s.p.CreateEnvironment(r.Context(), name)
	if err != nil {
		return s.refused(w, r, c, "/environments", err, url.Values{"name": {name}})
	}
	f := done("ok", "The environment "+web.Quote(env.Name)+" was created. Its secret key is below: store it now.")
	f.Secret = &shownOnce{Label: "Secret key of " + env.Name, Value: secret,
		Note: "Your backend calls the environment API with this key (Authorization: Bearer …). hmacgate keeps only its hash."}
	return s.redirect(w, r, c, "/environments/"+env.ID, f)
}

// confirmView is the data of the page that asks before a risky change.
type confirmView struct {
	Heading     string
	Consequence []string
	Action      string // where the confirmed form posts
	Fields      [][2]string
	Button      string
	Danger      bool
	Cancel      string
}

// confirm renders the page that asks before a change: a GET, whose form
// posts the change with confirm=yes.
func (s *Console) confirm(w http.ResponseWriter, r *http.Request, c *call, cv *confirmView) error {
	return s.render(w, r, c, http.StatusOK, "confirm", &view{Title: cv.Heading, Section: "environments", Data: cv})
}

// confirmed reports whether a form post is the confirmation's; a post
// without it is sent to the page that asks.
func confirmed(r *http.Request) bool { return r.PostForm.Get("confirm") == "yes" }

// askFirst sends a post that was not confirmed to the page that asks.
func (s *Console) askFirst(w http.ResponseWriter, r *http.Request, c *call, page string, q url.Values) error {
	if len(q) > 0 {
		page += "?" + q.Encode()
	}
	return s.redirect(w, r, c, page, nil)
}

func (s *Console) environmentDeletePage(w http.ResponseWriter, r *http.Request, c *call) error {
	e := c.env
	return s.confirm(w, r, c, &confirmView{
		Heading: "Delete the environment " + web.Quote(e.Name) + "?",
		Consequence: []string{
			"Its HMAC keys, integrations, connections (with the end users' stored credentials), products, secrets, report and launch log are deleted.",
			"Connect calls with its public key and API calls with its secret key will be refused. This cannot be undone.",
		},
		Action: c.envPath("/delete"), Button: "Delete " + e.Name, Danger: true, Cancel: c.envPath(""),
	})
}

func (s *Console) environmentDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	if !confirmed(r) {
		return s.askFirst(w, r, c, c.envPath("/delete"), nil)
	}
	if err := s.p.DeleteEnvironment(r.Context(), c.env.ID); err != nil {
		return err
	}
	return s.redirect(w, r, c, "/environments", done("ok", "The environment "+web.Quote(c.env.Name)+" was deleted."))
}

// settingsView is the data of an environment's settings page.
type settingsView struct {
	Keys   []platform.KeyInfo
	Report *platform.Report
	// VerdictKind is "none" (no checked calls), "good" (all valid) or "bad".
	VerdictKind string
	Chart       chart
	Modes       []modeOption
	Audit       []platform.AuditEntry
	Retires     []retireOption
	// KeyError keeps the key form's state after a refusal.
	KeyError bool
	// PreviousSecretUntil is when the secret key a rotation replaced stops
	// working; nil when there is none still working.
	PreviousSecretUntil *time.Time
}

type modeOption struct {
	Value, Label, Description string
	Current                   bool
}

type retireOption struct{ Value, Label string }

var retireOptions = []retireOption{
	{"24h", "for 24 hours (the default)"},
	{"1h", "for 1 hour"},
	{"168h", "for 7 days"},
	{"now", "no longer: refuse it at once"},
}

func (s *Console) settingsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	sv := &settingsView{KeyError: c.flash.formValue("source") == "paste", Retires: retireOptions}
	var err error
	if sv.Keys, err = s.p.HMACKeys(ctx, c.env.ID); err != nil {
		return err
	}
	if sv.Report, err = s.p.Report(ctx, c.env.ID); err != nil {
		return err
	}
	sv.Chart = reportChart(sv.Report)
	switch rep := sv.Report; {
	case rep.Valid+rep.Missing+rep.Invalid == 0:
		sv.VerdictKind = "none"
	case rep.Missing+rep.Invalid == 0:
		sv.VerdictKind = "good"
	default:
		sv.VerdictKind = "bad"
	}
	if sv.Audit, err = s.p.Audit(ctx, c.env.ID, 8); err != nil {
		return err
	}
	if e := c.env; e.PreviousSecretKeyHash != nil && s.p.Now().Before(e.PreviousSecretRetiresAt) {
		t := e.PreviousSecretRetiresAt
		sv.PreviousSecretUntil = &t
	}
	for _, m := range []modeOption{
		{Value: "off", Label: "Off", Description: "Accept every connect call; the digest is not looked at."},
		{Value: "report", Label: "Report", Description: "Accept every connect call, and count those enforce would refuse."},
		{Value: "enforce", Label: "Enforce", Description: "Refuse connect calls without a valid digest."},
	} {
		m.Current = m.Value == string(c.env.HMACMode)
		sv.Modes = append(sv.Modes, m)
	}
	return s.render(w, r, c, http.StatusOK, "settings", &view{Title: c.env.Name + " settings", Section: "environments", Tab: "settings", Data: sv})
}

// keyCreate makes a new current key and leads back to the settings page,
// which shows it once.
func (s *Console) keyCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	source := r.PostForm.Get("source")
	var supplied *string
	if source == "paste" {
		k := r.PostForm.Get("key") // exact bytes: never trimmed
		supplied = &k
	}
	k, err := s.p.AddHMACKey(r.Context(), c.env.ID, supplied, r.PostForm.Get("retire"))
	if err != nil {
		// The form comes back with the choice, never with the key.
		return s.refused(w, r, c, c.envPath(""), err, url.Values{"source": {source}})
	}
	note := "It is the environment's current key, stored encrypted."
	if len(k.Keys) > 1 {
		note += " Digests made with the previous key are accepted until " + k.RetirePreviousAt.UTC().Format("2006-01-02 15:04 UTC") + "."
	}
	return s.redirect(w, r, c, c.envPath(""), &flash{Secret: &shownOnce{Label: "New HMAC key", Value: k.Key.Reveal(), Note: note}})
}

// modeNotices say what each mode does, once it is set.
var modeNotices = map[platform.HMACMode]*notice{
	platform.ModeOff:     {Kind: "warn", Text: "HMAC is off: connect calls are accepted without looking at the digest."},
	platform.ModeReport:  {Kind: "ok", Text: "HMAC is in report mode: every connect call is accepted, and those enforce would refuse are counted below."},
	platform.ModeEnforce: {Kind: "ok", Text: "HMAC is enforced: connect calls without a valid digest are refused."},
}

// modePage asks before switching the HMAC mode, saying what the switch
// does with the last day's numbers.
func (s *Console) modePage(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	mode, err := s.p.CheckMode(ctx, c.env.ID, r.URL.Query().Get("mode"))
	if err != nil {
		return s.refused(w, r, c, c.envPath(""), err, nil)
	}
	if mode == c.env.HMACMode {
		return s.redirect(w, r, c, c.envPath(""), &flash{Notice: modeNotices[mode]})
	}
	rep, err := s.p.Report(ctx, c.env.ID)
	if err != nil {
		return err
	}
	return s.confirm(w, r, c, &confirmView{
		Heading:     "Switch HMAC from " + string(c.env.HMACMode) + " to " + string(mode) + "?",
		Consequence: modeConsequence(mode, rep),
		Action:      c.envPath("/mode"),
		Fields:      [][2]string{{"mode", string(mode)}},
		Button:      "Switch to " + string(mode),
		Danger:      mode != platform.ModeReport,
		Cancel:      c.envPath(""),
	})
}

// secretKeyPage asks before rotating the environment's secret key, saying
// until when the current one keeps working.
func (s *Console) secretKeyPage(w http.ResponseWriter, r *http.Request, c *call) error {
	retire := r.URL.Query().Get("retire")
	until := "The current secret key keeps working until the time you chose; then calls with it are refused with 401."
	for _, o := range retireOptions {
		switch {
		case o.Value != retire:
		case retire == "now":
			until = "The current secret key stops working at once: calls with it are refused with 401."
		default:
			label, _, _ := strings.Cut(o.Label, " (")
			until = "The current secret key keeps working " + label + "; then calls with it are refused with 401."
		}
	}
	return s.confirm(w, r, c, &confirmView{
		Heading: "Rotate the secret key of " + web.Quote(c.env.Name) + "?",
		Consequence: []string{
			"A new secret key is made and shown once. Your backend must use it for the environment API from now on.",
			until,
		},
		Action: c.envPath("/secret-key"), Fields: [][2]string{{"retire", retire}},
		Button: "Rotate the secret key", Danger: retire == "now", Cancel: c.envPath(""),
	})
}

// secretKeyRotate makes a new secret key for the environment, once
// confirmed, and leads back to the settings page, which shows it once.
func (s *Console) secretKeyRotate(w http.ResponseWriter, r *http.Request, c *call) error {
	retire := r.PostForm.Get("retire")
	if !confirmed(r) {
		return s.askFirst(w, r, c, c.envPath("/secret-key"), url.Values{"retire": {retire}})
	}
	k, err := s.p.RotateSecretKey(r.Context(), c.env.ID, retire)
	if err != nil {
		return s.refused(w, r, c, c.envPath(""), err, nil)
	}
	note := "Your backend calls the environment API with this key (Authorization: Bearer …). hmacgate keeps only its hash. " +
		"The previous key works until " + k.RetirePreviousAt.UTC().Format("2006-01-02 15:04 UTC") + "."
	return s.redirect(w, r, c, c.envPath(""), &flash{Secret: &shownOnce{Label: "New secret key", Value: k.SecretKey.Reveal(), Note: note}})
}

func (s *Console) modeChange(w http.ResponseWriter, r *http.Request, c *call) error {
	raw := r.PostForm.Get("mode")
	if !confirmed(r) {
		return s.askFirst(w, r, c, c.envPath("/mode"), url.Values{"mode": {raw}})
	}
	if err := s.p.SetMode(r.Context(), c.env.ID, raw); err != nil {
		return s.refused(w, r, c, c.envPath(""), err, nil)
	}
	return s.redirect(w, r, c, c.envPath(""), &flash{Notice: modeNotices[platform.HMACMode(raw)]})
}

// modeConsequence says in plain words what switching to mode does, with
// the last day's numbers.
func modeConsequence(mode platform.HMACMode, rep *platform.Report) []string {
	total, bad := rep.Valid+rep.Missing+rep.Invalid, rep.Missing+rep.Invalid
	switch mode {
	case platform.ModeEnforce:
		out := []string{"Every connect call without a valid digest will be refused with 401 (missing_hmac or invalid_hmac)."}
		switch {
		case total == 0:
			out = append(out, "There were no checked calls in the last 24 h, so nothing shows that your backend sends digests yet. Consider a day in report mode first.")
		case bad > 0:
			out = append(out, fmt.Sprintf("In the last 24 h, %d of %d connect calls had no digest (%d) or a wrong one (%d): calls like them will be refused.",
				bad, total, rep.Missing, rep.Invalid))
		default:
			out = append(out, fmt.Sprintf("All %d connect calls in the last 24 h had a valid digest: none of them would have been refused.", total))
		}
		return out
	case platform.ModeReport:
		return []string{"Every connect call is accepted. Calls without a valid digest are counted and logged, so you can see whether your code is ready before enforcing."}
	}
	return []string{
		"Every connect call is accepted and the digest is not looked at.",
		"Anyone who knows a connection ID can then attach their own credentials to someone else's connection.",
	}
}

// integrationsView is the data of the integrations and connections page.
type integrationsView struct {
	Integrations []*platform.Integration
	Connections  []*platform.Connection
	Search       string
	Integration  string // the connection filter
	After        string // this page's cursor
	Next         string // the next page's cursor
	// Form keeps the add-integration form's values after a refusal.
	Form platform.IntegrationInput
}

// connectionsPerPage is the console's page size for connections.
const connectionsPerPage = 20

func (s *Console) integrationsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	iv := &integrationsView{Form: platform.IntegrationInput{ID: c.flash.formValue("id"), Name: c.flash.formValue("name"),
		AuthMode: c.flash.formValue("auth_mode")}}
	var err error
	if iv.Integrations, err = s.p.Integrations(ctx, c.env.ID); err != nil {
		return err
	}
	q := r.URL.Query()
	f := platform.ConnectionFilter{EnvID: c.env.ID, IntegrationID: q.Get("integration"), Search: q.Get("search"),
		After: q.Get("after"), Limit: connectionsPerPage}
	var next string
	if iv.Connections, next, err = s.p.Connections(ctx, f); err != nil {
		return err
	}
	iv.Search, iv.Integration, iv.After, iv.Next = f.Search, f.IntegrationID, f.After, next
	return s.render(w, r, c, http.StatusOK, "integrations", &view{Title: c.env.Name + " integrations", Section: "environments", Tab: "integrations", Data: iv})
}

func (s *Console) integrationCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	in := platform.IntegrationInput{ID: strings.TrimSpace(r.PostForm.Get("id")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		AuthMode: r.PostForm.Get("auth_mode")}
	if err := s.p.AddIntegration(r.Context(), c.env.ID, in); err != nil {
		return s.refused(w, r, c, c.envPath("/integrations"), err, url.Values{"id": {in.ID}, "name": {in.Name}, "auth_mode": {in.AuthMode}})
	}
	return s.redirect(w, r, c, c.envPath("/integrations"), done("ok", "The integration "+web.Quote(in.ID)+" was added."))
}

func (s *Console) connectionDeletePage(w http.ResponseWriter, r *http.Request, c *call) error {
	in, cn := r.URL.Query().Get("integration"), r.URL.Query().Get("connection")
	return s.confirm(w, r, c, &confirmView{
		Heading: "Delete the connection " + web.Quote(cn) + " of " + web.Quote(in) + "?",
		Consequence: []string{"The end user's stored credentials are deleted; your backend can no longer use this connection " +
			"until the end user connects again."},
		Action: c.envPath("/connections/delete"),
		Fields: [][2]string{{"integration", in}, {"connection", cn}},
		Button: "Delete the connection", Danger: true,
		Cancel: c.envPath("/integrations"),
	})
}

func (s *Console) connectionDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	in, cn := r.PostForm.Get("integration"), r.PostForm.Get("connection")
	if !confirmed(r) {
		return s.askFirst(w, r, c, c.envPath("/connections/delete"), url.Values{"integration": {in}, "connection": {cn}})
	}
	if err := s.p.DeleteConnection(r.Context(), c.env.ID, in, cn); err != nil {
		if isNotFound(err) {
			return s.redirect(w, r, c, c.envPath("/integrations"), done("warn", "The connection "+web.Quote(cn)+" of "+web.Quote(in)+" was deleted already."))
		}
		return err
	}
	return s.redirect(w, r, c, c.envPath("/integrations"), done("ok", "The connection "+web.Quote(cn)+" of "+web.Quote(in)+" was deleted."))
}

// snippetsView is the data of the snippets page.
type snippetsView struct {
	Host         string // this server, as the frontend snippet's host
	Integrations []string
	Integration  string
	Snippets     []snippet
	// Nango is the same call with Nango's own SDKs, for customers who
	// already have them: the frontend's call for the integration's auth
	// mode, and the backend's read of the connection.
	Nango nangoSnippets
}

func (s *Console) snippetsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ins, err := s.p.Integrations(r.Context(), c.env.ID)
	if err != nil {
		return err
	}
	sv := &snippetsView{Host: web.Origin(r)}
	modes := map[string]platform.AuthMode{}
	for _, it := range ins {
		sv.Integrations = append(sv.Integrations, it.ID)
		modes[it.ID] = it.AuthMode
	}
	sv.Integration = r.URL.Query().Get("integration")
	if !contains(sv.Integrations, sv.Integration) {
		sv.Integration = "<INTEGRATION-ID>"
		if len(sv.Integrations) > 0 {
			sv.Integration = sv.Integrations[0]
		}
	}
	sv.Snippets = digestSnippets(sv.Integration)
	sv.Nango = nangoSnippetsFor(sv.Host, c.env.PublicKey, sv.Integration, modes[sv.Integration])
	return s.render(w, r, c, http.StatusOK, "snippets", &view{Title: c.env.Name + " snippets", Section: "environments", Tab: "snippets", Data: sv})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// demoView is the data of the connect demo page.
type demoView struct {
	Integrations []*platform.Integration
	HasKey       bool
}

func (s *Console) demoPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ins, err := s.p.Integrations(r.Context(), c.env.ID)
	if err != nil {
		return err
	}
	dv := &demoView{Integrations: ins, HasKey: c.hasKey}
	return s.render(w, r, c, http.StatusOK, "demo", &view{Title: c.env.Name + " connect demo", Section: "environments", Tab: "demo", Data: dv})
}

// demoDigest plays the customer's backend for the demo page: it signs
// "<integration>:<connection>" with the environment's current key and
// returns the digest (never the key) as JSON.
func (s *Console) demoDigest(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.p.Digest(r.Context(), c.env.ID, r.PostForm.Get("integration"), r.PostForm.Get("connection"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"digest": d})
	return nil
}

// launchesView is the data of the launch log page.
type launchesView struct {
	Launches []launchRow
}

// launchRow is a launch with its product's name.
type launchRow struct {
	platform.LaunchInfo
	ProductName string
}

func (s *Console) launchesPage(w http.ResponseWriter, r *http.Request, c *call) error {
	rows, err := s.launchRows(r, c, "")
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "launches", &view{Title: c.env.Name + " launch log", Section: "environments", Tab: "launches",
		Data: &launchesView{Launches: rows}})
}

// launchRows is the launch log with product names.
func (s *Console) launchRows(r *http.Request, c *call, productID string) ([]launchRow, error) {
	ls, err := s.p.Launches(r.Context(), c.env.ID, productID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if ps, err := s.p.Products(r.Context(), c.env.ID); err == nil {
		for _, p := range ps {
			names[p.ID] = p.Name
		}
	}
	out := make([]launchRow, 0, len(ls))
	for _, l := range ls {
		out = append(out, launchRow{LaunchInfo: l, ProductName: names[l.ProductID]})
	}
	return out, nil
}

// untilText says how long until t, in minutes and seconds.
func untilText(d time.Duration) string {
	if d <= 0 {
		return "now"
	}
	d = d.Round(time.Second)
	m, sec := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", sec)
	case sec == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, sec)
}
