package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
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
	return s.renderProducts(w, r, c, http.StatusOK, productForm{HMACEnabled: true}, doneNotice(r))
}

func (s *Console) renderProducts(w http.ResponseWriter, r *http.Request, c *call, status int, f productForm, n *notice) error {
	ps, err := s.p.Products(r.Context(), c.env.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, c, status, "products", &view{Title: c.env.Name + " products", Section: "environments", Tab: "products",
		Notice: n, Data: &productsView{Products: ps, Form: f}})
}

func (s *Console) productCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	f := productForm{Name: r.PostForm.Get("name"), OrderURL: strings.TrimSpace(r.PostForm.Get("order_url")),
		HMACEnabled: r.PostForm.Get("hmac_enabled") == "on"}
	p, err := s.p.AddProduct(r.Context(), c.env.ID, platform.ProductInput{Name: f.Name, OrderURL: f.OrderURL, HMACEnabled: &f.HMACEnabled})
	if err != nil {
		if isRefusal(err) {
			return s.renderProducts(w, r, c, hmacgate.HTTPStatus(err), f, errorNotice(err))
		}
		return err
	}
	base := "/environments/" + c.env.ID + "/products/" + p.ID
	if p.HMACEnabled {
		return seeOther(w, r, base+"/credentials", "product-created")
	}
	return seeOther(w, r, base, "product-saved")
}

// productPageView is the data of a product's page.
type productPageView struct {
	Product  platform.ProductInfo
	Test     platform.OrderRequest
	Result   *platform.TestDelivery
	Launches []launchRow
}

func (s *Console) productPage(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.renderProduct(w, r, c, http.StatusOK, &productPageView{Test: platform.DefaultTestOrder()}, doneNotice(r))
}

func (s *Console) renderProduct(w http.ResponseWriter, r *http.Request, c *call, status int, pv *productPageView, n *notice) error {
	p, err := s.p.Product(r.Context(), c.env.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	pv.Product = p
	if pv.Launches, err = s.launchRows(r, c, p.ID); err != nil {
		return err
	}
	return s.render(w, r, c, status, "product", &view{Title: p.Name, Section: "environments", Tab: "products", Notice: n, Data: pv})
}

func (s *Console) productUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id := r.PathValue("product")
	cur, err := s.p.Product(ctx, c.env.ID, id)
	if err != nil {
		return err
	}
	name, orderURL := r.PostForm.Get("name"), strings.TrimSpace(r.PostForm.Get("order_url"))
	on := r.PostForm.Get("hmac_enabled") == "on"
	if cur.HMACEnabled && !on && !confirmed(r) {
		return s.confirm(w, r, c, &confirmView{
			Heading: "Switch HMAC off for " + web.Quote(cur.Name) + "?",
			Consequence: []string{
				"Its orders will be sent without hmacsignature. The partner cannot tell them from forged ones, " +
					"and a partner that verifies signatures will refuse them.",
			},
			Fields: [][2]string{{"name", name}, {"order_url", orderURL}},
			Button: "Switch HMAC off", Danger: true,
			Cancel: "/environments/" + c.env.ID + "/products/" + id,
		})
	}
	out, err := s.p.UpdateProduct(ctx, c.env.ID, id, platform.ProductPatch{Name: &name, OrderURL: &orderURL, HMACEnabled: &on})
	if err != nil {
		if isRefusal(err) {
			return s.renderProduct(w, r, c, hmacgate.HTTPStatus(err), &productPageView{Test: platform.DefaultTestOrder()}, errorNotice(err))
		}
		return err
	}
	msg := "product-saved"
	if out.Warning != "" {
		msg = "hmac-off"
	}
	return seeOther(w, r, "/environments/"+c.env.ID+"/products/"+id, msg)
}

func (s *Console) productTestOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	in := platform.DefaultTestOrder()
	f := r.PostForm
	for _, fld := range []struct {
		name string
		dst  *string
	}{
		{"installationId", &in.InstallationID}, {"orderId", &in.OrderID}, {"estateId", &in.EstateID},
		{"departmentId", &in.DepartmentID}, {"departmentOrganizationNumber", &in.DepartmentOrganizationNumber},
		{"userId", &in.User.ID}, {"userEmail", &in.User.Email}, {"userName", &in.User.Name},
	} {
		if _, ok := f[fld.name]; ok {
			*fld.dst = f.Get(fld.name)
		}
	}
	td, err := s.p.SendTestOrder(r.Context(), c.env.ID, r.PathValue("product"), &in)
	if err != nil {
		if isRefusal(err) {
			return s.renderProduct(w, r, c, hmacgate.HTTPStatus(err), &productPageView{Test: in}, errorNotice(err))
		}
		return err
	}
	n := &notice{Kind: "ok", Text: "The test order was delivered: the partner answered " + strconv.Itoa(td.Delivery.Status) + "."}
	switch {
	case td.Delivery.Error != "":
		n = &notice{Kind: "error", Text: "The test order was not delivered: " + td.Delivery.Error + "."}
	case td.Delivery.Status >= 300:
		n.Kind = "warn"
	}
	return s.renderProduct(w, r, c, http.StatusOK, &productPageView{Test: in, Result: td}, n)
}

// credentialsView is the data of a product's credentials page.
type credentialsView struct {
	Product      platform.ProductInfo
	NewSecret    *shownOnce
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
	return s.renderCredentials(w, r, c, http.StatusOK, &credentialsView{}, s.credentialsNotice(r))
}

func (s *Console) credentialsNotice(r *http.Request) *notice {
	if r.URL.Query().Get("done") == "product-created" {
		return &notice{Kind: "ok", Text: "The product was created with HMAC on. Generate its secret now, and give it to the partner."}
	}
	return nil
}

func (s *Console) renderCredentials(w http.ResponseWriter, r *http.Request, c *call, status int, cv *credentialsView, n *notice) error {
	if cv.Product.ID == "" {
		p, err := s.p.Product(r.Context(), c.env.ID, r.PathValue("product"))
		if err != nil {
			return err
		}
		cv.Product = p
	}
	if at := cv.Product.SwitchAt; at != nil {
		left := at.Sub(s.p.Now())
		cv.Countdown = &countdown{Seconds: int(left.Round(time.Second) / time.Second), At: *at, Text: untilText(left)}
	}
	cv.Propagations = propagationOptions
	return s.render(w, r, c, status, "credentials", &view{Title: cv.Product.Name + " credentials", Section: "environments", Tab: "products",
		Notice: n, Data: cv})
}

func (s *Console) secretCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	ns, err := s.p.AddProductSecret(r.Context(), c.env.ID, r.PathValue("product"), r.PostForm.Get("propagation"))
	if err != nil {
		if isRefusal(err) {
			return s.renderCredentials(w, r, c, hmacgate.HTTPStatus(err), &credentialsView{}, errorNotice(err))
		}
		return err
	}
	note := "It is stored encrypted and signs this product's orders from now on."
	if ns.ActiveFrom.After(s.p.Now()) {
		note = "It is stored encrypted and starts signing at " + ns.ActiveFrom.UTC().Format("15:04:05 UTC") +
			"; until then the previous secret signs. Verify with both the new and the old secret meanwhile."
	}
	cv := &credentialsView{Product: ns.Product, NewSecret: &shownOnce{Label: "New secret", Value: ns.Secret.Reveal(), Note: note}}
	return s.renderCredentials(w, r, c, http.StatusCreated, cv, nil)
}
