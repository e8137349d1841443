package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// The partner portal of the second seed: products with their order URL and
// HMAC switch, a credentials page per product (generate a secret, shown
// once; regenerate with a propagation countdown), test orders and the
// launch log.

// productsView is the data of the products page.
type productsView struct {
	Products []platform.ProductInfo
	Form     productForm
}

// productForm holds a product form's values.
type productForm struct {
	Name, OrderURL string
	HMACEnabled    bool
}

func (s *Console) productsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ps, err := s.p.Products(r.Context(), c.env.ID)
	if err != nil {
		return err
	}
	f := productForm{HMACEnabled: true}
	if c.flash != nil && c.flash.Form != nil {
		f = productForm{Name: c.flash.formValue("name"), OrderURL: c.flash.formValue("order_url"), HMACEnabled: c.flash.formValue("hmac_enabled") == "on"}
	}
	return s.render(w, r, c, http.StatusOK, "products", &view{Title: c.env.Name + " products", Section: "environments", Tab: "products",
		Data: &productsView{Products: ps, Form: f}})
}

func (s *Console) productCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	f := productForm{Name: r.PostForm.Get("name"), OrderURL: strings.TrimSpace(r.PostForm.Get("order_url")),
		HMACEnabled: r.PostForm.Get("hmac_enabled") == "on"}
	p, err := s.p.AddProduct(r.Context(), c.env.ID, platform.ProductInput{Name: f.Name, OrderURL: f.OrderURL, HMACEnabled: &f.HMACEnabled})
	if err != nil {
		return s.refused(w, r, c, c.envPath("/products"), err, url.Values{"name": {f.Name}, "order_url": {f.OrderURL},
			"hmac_enabled": {r.PostForm.Get("hmac_enabled")}})
	}
	if p.HMACEnabled {
		return s.redirect(w, r, c, c.envPath("/products/"+p.ID+"/credentials"),
			done("ok", "The product "+web.Quote(p.Name)+" was created with HMAC on. Generate its secret now, and give it to the partner."))
	}
	return s.redirect(w, r, c, c.envPath("/products/"+p.ID), done("ok", "The product "+web.Quote(p.Name)+" was created."))
}

// productPageView is the data of a product's page.
type productPageView struct {
	Product platform.ProductInfo
	// Form holds the edit form's values after a refusal; nil: the product's.
	Form     *productForm
	Test     platform.OrderRequest
	Result   *platform.TestDelivery
	Launches []launchRow
}

func (s *Console) productPage(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.p.Product(r.Context(), c.env.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	pv := &productPageView{Product: p, Test: platform.DefaultTestOrder()}
	if f := c.flash; f != nil && f.Form != nil {
		if f.Form.Has("name") {
			pv.Form = &productForm{Name: f.formValue("name"), OrderURL: f.formValue("order_url"), HMACEnabled: p.HMACEnabled}
		}
		pv.Test, _ = testOrderForm(f.Form)
	}
	var td platform.TestDelivery
	if c.flash.result(&td) {
		pv.Result = &td
	}
	if pv.Launches, err = s.launchRows(r, c, p.ID); err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "product", &view{Title: p.Name, Section: "environments", Tab: "products", Data: pv})
}

// productPath is the path of the request's product's page.
func productPath(r *http.Request, c *call) string {
	return c.envPath("/products/" + r.PathValue("product"))
}

func (s *Console) productUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	cur, err := s.p.Product(ctx, c.env.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	name, orderURL := r.PostForm.Get("name"), strings.TrimSpace(r.PostForm.Get("order_url"))
	on := r.PostForm.Get("hmac_enabled") == "on"
	if cur.HMACEnabled && !on && !confirmed(r) {
		return s.askFirst(w, r, c, productPath(r, c)+"/hmac-off", url.Values{"name": {name}, "order_url": {orderURL}})
	}
	out, err := s.p.UpdateProduct(ctx, c.env.ID, cur.ID, platform.ProductPatch{Name: &name, OrderURL: &orderURL, HMACEnabled: &on})
	if err != nil {
		return s.refused(w, r, c, productPath(r, c), err, url.Values{"name": {name}, "order_url": {orderURL}})
	}
	if out.Warning != "" {
		return s.redirect(w, r, c, productPath(r, c), done("warn", platform.HMACOffWarning+"."))
	}
	return s.redirect(w, r, c, productPath(r, c), done("ok", "The product was saved."))
}

// hmacOffPage asks before a product's orders go out unsigned.
func (s *Console) hmacOffPage(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.p.Product(r.Context(), c.env.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	name, orderURL := q.Get("name"), q.Get("order_url")
	if name == "" && orderURL == "" {
		name, orderURL = p.Name, p.OrderURL
	}
	return s.confirm(w, r, c, &confirmView{
		Heading: "Switch HMAC off for " + web.Quote(p.Name) + "?",
		Consequence: []string{
			"Its orders will be sent without hmacsignature. The partner cannot tell them from forged ones, " +
				"and a partner that verifies signatures will refuse them.",
		},
		Action: productPath(r, c),
		Fields: [][2]string{{"name", name}, {"order_url", orderURL}},
		Button: "Switch HMAC off", Danger: true,
		Cancel: productPath(r, c),
	})
}

// testOrderFields are the test order form's fields and where they go.
func testOrderFields(in *platform.OrderRequest) []struct {
	name string
	dst  *string
} {
	return []struct {
		name string
		dst  *string
	}{
		{"installationId", &in.InstallationID}, {"orderId", &in.OrderID}, {"estateId", &in.EstateID},
		{"departmentId", &in.DepartmentID}, {"departmentOrganizationNumber", &in.DepartmentOrganizationNumber},
		{"userId", &in.User.ID}, {"userEmail", &in.User.Email}, {"userName", &in.User.Name},
	}
}

// testOrderForm reads the test order form: the test values, overridden
// by the fields the form has. It returns the order and the form's values.
func testOrderForm(f url.Values) (platform.OrderRequest, url.Values) {
	in := platform.DefaultTestOrder()
	kept := url.Values{}
	for _, fld := range testOrderFields(&in) {
		if _, ok := f[fld.name]; ok {
			*fld.dst = f.Get(fld.name)
			kept.Set(fld.name, *fld.dst)
		}
	}
	return in, kept
}

// productTestOrder sends a test order server to server and leads back to
// the product's page with the partner's answer.
func (s *Console) productTestOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	in, kept := testOrderForm(r.PostForm)
	td, err := s.p.SendTestOrder(r.Context(), c.env.ID, r.PathValue("product"), &in)
	if err != nil {
		return s.refused(w, r, c, productPath(r, c), err, kept)
	}
	f := done("ok", "The test order was delivered: the partner answered "+strconv.Itoa(td.Delivery.Status)+".")
	switch {
	case td.Delivery.Error != "":
		f = done("error", "The test order was not delivered: "+td.Delivery.Error+".")
	case td.Delivery.Status >= 300:
		f.Notice.Kind = "warn"
	}
	f.Form = kept
	return s.redirect(w, r, c, productPath(r, c), f.withResult(td))
}

// productLaunch launches an order as a platform would: the browser (in a
// new tab) goes to the single-use launch link, which posts the signed
// order to the product's order URL.
func (s *Console) productLaunch(w http.ResponseWriter, r *http.Request, c *call) error {
	in, kept := testOrderForm(r.PostForm)
	o, err := s.p.LaunchOrder(r.Context(), c.env.ID, r.PathValue("product"), &in)
	if err != nil {
		return s.refused(w, r, c, productPath(r, c), err, kept)
	}
	return s.redirect(w, r, c, "/launch/"+o.CorrelationID, nil)
}

// credentialsView is the data of a product's credentials page.
type credentialsView struct {
	Product      platform.ProductInfo
	Countdown    *countdown
	Propagations []retireOption
}

// countdown is the time left until a propagating secret starts signing;
// the page's script counts it down from Seconds.
type countdown struct {
	Seconds int
	At      time.Time
	Text    string
}

var propagationOptions = []retireOption{
	{"5m", "5 minutes (the default)"},
	{"1m", "1 minute"},
	{"15m", "15 minutes"},
	{"1h", "1 hour"},
	{"0s", "at once (the old secret stops signing now)"},
}

func (s *Console) credentialsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.p.Product(r.Context(), c.env.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	cv := &credentialsView{Product: p, Propagations: propagationOptions}
	if at := p.SwitchAt; at != nil {
		left := at.Sub(s.p.Now())
		cv.Countdown = &countdown{Seconds: int(left.Round(time.Second) / time.Second), At: *at, Text: untilText(left)}
	}
	return s.render(w, r, c, http.StatusOK, "credentials", &view{Title: p.Name + " credentials", Section: "environments", Tab: "products", Data: cv})
}

// secretCreate generates a secret and leads back to the credentials page,
// which shows it once.
func (s *Console) secretCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	page := productPath(r, c) + "/credentials"
	ns, err := s.p.AddProductSecret(r.Context(), c.env.ID, r.PathValue("product"), r.PostForm.Get("propagation"))
	if err != nil {
		return s.refused(w, r, c, page, err, nil)
	}
	note := "It is stored encrypted and signs this product's orders from now on."
	if ns.ActiveFrom.After(s.p.Now()) {
		note = "It is stored encrypted and starts signing at " + ns.ActiveFrom.UTC().Format("15:04:05 UTC") +
			"; until then the previous secret signs. Verify with both the new and the old secret meanwhile."
	}
	return s.redirect(w, r, c, page, &flash{Secret: &shownOnce{Label: "New secret", Value: ns.Secret.Reveal(), Note: note}})
}
