package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/platform"
)

// launchLinkTTL is how long GET /launch/{correlationId} works: as long as
// the partner accepts the order's timestamp by default.
const launchLinkTTL = order.DefaultMaxAge

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checkOrderRequest bounds the fields an order request puts in orderdata.
func checkOrderRequest(in *platform.OrderRequest) error {
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"installationId", in.InstallationID, 256}, {"orderId", in.OrderID, 256}, {"estateId", in.EstateID, 256},
		{"departmentId", in.DepartmentID, 256}, {"departmentOrganizationNumber", in.DepartmentOrganizationNumber, 256},
		{"user.id", in.User.ID, 256}, {"user.email", in.User.Email, 254}, {"user.name", in.User.Name, 200},
	} {
		if err := checkLine(f.name, f.value, f.max, false); err != nil {
			return err
		}
	}
	return nil
}

// buildOrder makes orderdata with the current time, a new correlation ID
// and the product's order URL, and signs it when HMAC is on.
func (s *Server) buildOrder(ctx context.Context, p *platform.Product, in *platform.OrderRequest) (*platform.SignedOrder, error) {
	if err := checkOrderRequest(in); err != nil {
		return nil, err
	}
	// A product saved before the https rule, or whose http host is no longer
	// allowed, sends no order.
	if err := s.checkOrderURL(p.OrderURL); err != nil {
		return nil, err
	}
	d := order.OrderData{
		Timestamp:      s.now().UnixMilli(),
		User:           order.User{ID: in.User.ID, Email: in.User.Email, Name: in.User.Name},
		CorrelationID:  newUUID(),
		OrderURL:       p.OrderURL,
		InstallationID: in.InstallationID, OrderID: in.OrderID, EstateID: in.EstateID, DepartmentID: in.DepartmentID,
		DepartmentOrganizationNumber: in.DepartmentOrganizationNumber,
	}
	data, err := order.Marshal(d)
	if err != nil {
		return nil, invalid(hmacgate.ErrorMessage(err))
	}
	o := &platform.SignedOrder{CorrelationID: d.CorrelationID, OrderURL: p.OrderURL, Orderdata: string(data)}
	if p.HMACEnabled {
		key, id, err := s.signingSecret(ctx, p)
		if err != nil {
			return nil, err
		}
		o.Signature, o.SecretID = order.Sign(key, data), id
	}
	return o, nil
}

// newLaunch builds and signs an order for a product of the call's
// environment and logs its launch: the launch link /launch/<correlationId>
// works from now on.
func (s *Server) newLaunch(ctx context.Context, c *call, in *platform.OrderRequest) (*platform.SignedOrder, error) {
	if in.ProductID == "" {
		return nil, required("productId", "the ID of the product to launch (prod_…)")
	}
	p, err := s.store.Product(ctx, c.env.env.ID, in.ProductID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	o, err := s.buildOrder(ctx, p, in)
	if err != nil {
		return nil, err
	}
	l := &platform.Launch{CorrelationID: o.CorrelationID, EnvID: p.EnvID, ProductID: p.ID, Kind: "launch",
		CreatedAt: s.now().UTC().Truncate(time.Millisecond), Orderdata: o.Orderdata, Signature: o.Signature, Result: "created"}
	if err := s.store.CreateLaunch(ctx, l); err != nil {
		return nil, s.storeErr(err)
	}
	o.LaunchURL = "/launch/" + o.CorrelationID
	return o, nil
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	var in platform.OrderRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := s.newLaunch(r.Context(), c, &in)
	if err != nil {
		return err
	}
	if web.WantsHTML(r) {
		// The page is the launch itself: the link is spent first. If it
		// cannot be, the page is not shown (fail closed): the link would
		// stay usable, and the orderdata stored.
		if err := s.store.UseLaunch(r.Context(), o.CorrelationID, s.now()); err != nil {
			return s.unavailable(err)
		}
		o.LaunchURL = ""
		return writeLaunchPage(w, http.StatusCreated, o)
	}
	web.WriteJSON(w, http.StatusCreated, o)
	return nil
}

// launch serves GET /launch/{correlationId}: a short-lived, single-use link
// to the page that posts the signed order to the partner.
// A browser that opens a used, expired or unknown link gets a page that
// says so (410 or 404); API clients get JSON.
func (s *Server) launch(w http.ResponseWriter, r *http.Request, _ *call) error {
	id := r.PathValue("correlationId")
	l, err := s.store.Launch(r.Context(), id)
	switch {
	case err != nil && !isNotFound(err):
		return s.unavailable(err)
	case err != nil || l.Kind != "launch":
		return s.endUserRefusal(w, r, platform.ErrNotFound.With("there is no launch at this link: check that the whole link was copied, "+
			"or launch the order again from where you started"))
	case !l.UsedAt.IsZero():
		return s.endUserRefusal(w, r, platform.ErrLaunchUsed)
	case s.now().Sub(l.CreatedAt) > launchLinkTTL:
		return s.endUserRefusal(w, r, platform.ErrLaunchExpired)
	}
	if err := s.store.UseLaunch(r.Context(), id, s.now()); err != nil {
		if isNotFound(err) { // opened at the same moment elsewhere
			return s.endUserRefusal(w, r, platform.ErrLaunchUsed)
		}
		return s.unavailable(err)
	}
	var d order.OrderData
	if err := d.UnmarshalJSON([]byte(l.Orderdata)); err != nil {
		return s.unavailable(err)
	}
	return writeLaunchPage(w, http.StatusOK, &platform.SignedOrder{CorrelationID: id, OrderURL: d.OrderURL, Orderdata: l.Orderdata, Signature: l.Signature})
}

// cspSafeHost reports whether host can stand in a Content-Security-Policy
// source expression as it is: letters, digits, '.', '-', ':' and the
// brackets of an IPv6 literal; nothing that ends or adds a directive.
func cspSafeHost(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-:[]", c) >= 0) {
			return false
		}
	}
	return true
}

// launchScript submits the form at once; the page's Content-Security-Policy
// allows exactly this script, by its hash.
const launchScript = `document.getElementById("launch").submit();`

var launchScriptHash = func() string {
	h := sha256.Sum256([]byte(launchScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

var launchPage = template.Must(template.New("launch").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Opening {{.Host}}…</title>
<link rel="stylesheet" href="/assets/console.css"></head>
<body class="enduser"><main>
<form id="launch" method="post" action="{{.OrderURL}}" accept-charset="UTF-8" class="card enduser-card enduser-ok">
<input type="hidden" name="orderdata" value="{{.Orderdata}}">
{{- if .Signature}}
<input type="hidden" name="hmacsignature" value="{{.Signature}}">
{{- end}}
<h1>Opening {{.Host}}…</h1>
<p>If nothing happens, continue with the button.</p>
<button type="submit" class="primary">Continue to {{.Host}}</button>
</form></main>
<script>{{.Script}}</script>
</body></html>
`))

// writeLaunchPage writes the page that POSTs the order to the partner: the
// single-sign-on jump. Its policy allows one script (by hash), the
// console's stylesheet (for the button shown without JavaScript), no other
// resource, and form submission to the order URL's origin only.
func writeLaunchPage(w http.ResponseWriter, status int, o *platform.SignedOrder) error {
	u, err := url.Parse(o.OrderURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !cspSafeHost(u.Host) {
		return invalid("the product's order URL is not an http or https URL with a plain host name")
	}
	origin := u.Scheme + "://" + u.Host
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src "+launchScriptHash+"; style-src 'self'; form-action "+origin+
		"; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	return launchPage.Execute(w, map[string]any{
		"Host": u.Host, "OrderURL": o.OrderURL, "Orderdata": o.Orderdata, "Signature": o.Signature,
		"Script": template.JS(launchScript),
	})
}

// sendTestOrder builds and signs an order for a product of the call's
// environment, POSTs it to the product's order URL through the guarded
// client and logs the launch. A delivery the guard refuses is logged and
// returned as the error.
func (s *Server) sendTestOrder(ctx context.Context, c *call, productID string, in *platform.OrderRequest) (*platform.TestDelivery, error) {
	p, err := s.store.Product(ctx, c.env.env.ID, productID)
	if err != nil {
		return nil, s.storeErr(err)
	}
	o, err := s.buildOrder(ctx, p, in)
	if err != nil {
		return nil, err
	}
	d, derr := s.deliver(ctx, p.OrderURL, o.Form())
	// A test delivery is spent at once: its orderdata is not kept.
	l := &platform.Launch{CorrelationID: o.CorrelationID, EnvID: p.EnvID, ProductID: p.ID, Kind: "test",
		CreatedAt: s.now().UTC().Truncate(time.Millisecond), Signature: o.Signature, LatencyMS: d.Latency}
	switch {
	case derr != nil:
		l.Result = hmacgate.ErrorCode(derr)
	case d.Error != "":
		l.Result = "error: " + d.Error
	default:
		l.Result = http.StatusText(d.Status)
		l.Result = strings.TrimSpace(strconv.Itoa(d.Status) + " " + l.Result)
	}
	if err := s.store.CreateLaunch(ctx, l); err != nil {
		return nil, s.storeErr(err)
	}
	if derr != nil {
		return nil, derr
	}
	return &platform.TestDelivery{Order: o, Delivery: d}, nil
}

func (s *Server) testOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	in := platform.DefaultTestOrder()
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	td, err := s.sendTestOrder(r.Context(), c, r.PathValue("id"), &in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, td)
	return nil
}

// launchLog returns the newest launches and test deliveries of the call's
// environment, of one product or (productID "") of all.
func (s *Server) launchLog(ctx context.Context, c *call, productID string) ([]platform.LaunchInfo, error) {
	ls, err := s.store.Launches(ctx, c.env.env.ID, productID, 200)
	if err != nil {
		return nil, s.storeErr(err)
	}
	out := make([]platform.LaunchInfo, 0, len(ls))
	for _, l := range ls {
		j := platform.LaunchInfo{CorrelationID: l.CorrelationID, ProductID: l.ProductID, Kind: l.Kind, CreatedAt: l.CreatedAt,
			Result: l.Result, LatencyMS: l.LatencyMS, Signed: l.Signature != ""}
		if !l.UsedAt.IsZero() {
			t := l.UsedAt
			j.OpenedAt = &t
		}
		out = append(out, j)
	}
	return out, nil
}

func (s *Server) listLaunches(w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := s.launchLog(r.Context(), c, r.URL.Query().Get("product"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"launches": out})
	return nil
}
