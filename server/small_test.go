package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/server"
)

// TestMalformedConnectCallsAreNotCounted: a connect call refused for its
// shape (400, here credentials missing) gets no verdict: neither the 24 h
// report nor the metrics count it, as a wrong digest or as accepted.
func TestMalformedConnectCallsAreNotCounted(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("counting")
	key := ts.newKey(e, `{}`)
	ts.setMode(e, "report")
	wrong := digest(t, hmacgate.GenerateKey().Reveal(), "github", "u-1")
	if code, r := ts.connect(e, "github", "u-1", wrong, ""); code != 400 || !strings.Contains(r.Message, "credentials") {
		t.Fatalf("no credentials: %d %+v", code, r)
	}
	counter := ts.d.Server().Registry()
	if n := testutil.CollectAndCount(counter, "hmacgate_connect_calls_total"); n != 0 {
		t.Errorf("the malformed call is in the metrics: %d series", n)
	}
	report := func() (valid, missing, invalid int) {
		var r struct{ Valid, Missing, Invalid int }
		ts.json("GET", "/v1/hmac/report", e.SecretKey, "", &r)
		return r.Valid, r.Missing, r.Invalid
	}
	if v, m, i := report(); v+m+i != 0 {
		t.Errorf("the malformed call is in the report: %d valid, %d missing, %d invalid", v, m, i)
	}
	// Well-formed calls are counted, with their verdicts.
	ts.connect(e, "github", "u-1", wrong, `{"api_key":"k"}`)
	ts.connect(e, "github", "u-2", digest(t, key, "github", "u-2"), `{"api_key":"k"}`)
	if v, m, i := report(); v != 1 || m != 0 || i != 1 {
		t.Errorf("report: %d valid, %d missing, %d invalid; want 1, 0, 1", v, m, i)
	}
	for _, tc := range []struct {
		verdict string
		want    float64
	}{{"invalid", 1}, {"valid", 1}} {
		m, _ := counter.Gather()
		got := 0.0
		for _, f := range m {
			if f.GetName() != "hmacgate_connect_calls_total" {
				continue
			}
			for _, s := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range s.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["verdict"] == tc.verdict && labels["outcome"] == "accepted" {
					got += s.GetCounter().GetValue()
				}
			}
		}
		if got != tc.want {
			t.Errorf("metric verdict=%s outcome=accepted: %v; want %v", tc.verdict, got, tc.want)
		}
	}
}

// TestAuditOfTheFirstKey: the first key's audit entry does not speak of
// previous keys; a rotation's does.
func TestAuditOfTheFirstKey(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("audit")
	ts.newKey(e, `{}`)
	ts.newKey(e, `{"retire_previous_at":"1h"}`)
	var out struct {
		Entries []struct{ Action, Detail string }
	}
	ts.json("GET", "/v1/environment/audit", e.SecretKey, "", &out)
	var details []string
	for _, a := range out.Entries {
		if a.Action == "hmac.key.create" {
			details = append(details, a.Detail)
		}
	}
	if len(details) != 2 || strings.Contains(details[1], "previous") || !strings.Contains(details[1], "the first") ||
		!strings.Contains(details[0], "previous keys retire at") {
		t.Errorf("key audit entries (newest first): %q", details)
	}
}

// TestNamesAreOneLine: names with line breaks or other control characters
// are refused, on every route that takes a name, saying where.
func TestNamesAreOneLine(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("names")
	for _, tc := range []struct{ method, path, token, body string }{
		{"POST", "/v1/environments", ts.admin, `{"name":"prod\nuction"}`},
		{"POST", "/v1/integrations", e.SecretKey, `{"id":"crm","name":"C\tRM"}`},
		{"POST", "/v1/products", e.SecretKey, `{"name":"Foto\u0000","order_url":"https://partner.example/"}`},
	} {
		var r refusal
		if code, raw := ts.json(tc.method, tc.path, tc.token, tc.body, &r); code != 400 || !strings.HasPrefix(r.Message, "name contains a control character") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, code, raw)
		}
	}
}

// TestRefusalsNameTheirSubject: refusals name the product, the limit and
// the credential instead of placeholders.
func TestRefusalsNameTheirSubject(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("subjects")
	prod := ts.newProduct(e, "https://partner.example/orders")
	var r refusal
	ts.json("POST", "/v1/orders", e.SecretKey, `{"productId":"`+prod.ID+`"}`, &r)
	if r.Error != "no_product_secret" || !strings.Contains(r.Message, "/v1/products/"+prod.ID+"/secrets") || strings.Contains(r.Message, "{id}") {
		t.Errorf("no secret: %+v", r)
	}
	if code, raw := ts.json("POST", "/v1/environments", ts.admin, `{"name":" subjects "}`, &r); code != 409 || !strings.Contains(r.Message, `named "subjects" exists already`) {
		t.Errorf("a repeated environment name: %d %s", code, raw)
	}
	code, raw := ts.json("POST", "/v1/products", e.SecretKey, `{"name":"`+strings.Repeat("x", 70<<10)+`"}`, &r)
	if code != 413 || !strings.Contains(r.Message, "64 KiB") {
		t.Errorf("large body: %d %s", code, raw)
	}
}

// TestServeStartsWhereItSays: the port-in-use error names --listen; the
// start's log line names only what is in use; with PostgreSQL and the
// master key from the environment no data directory is made.
func TestServeStartsWhereItSays(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = server.Open(context.Background(), server.Config{Listen: ln.Addr().String(), DataDir: t.TempDir(), Stdout: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "--listen") {
		t.Errorf("port in use: %v; want it to name --listen", err)
	}

	dbURL, _ := testenv.PostgresSchema(t)
	dir := filepath.Join(t.TempDir(), "unused-data-dir")
	var logs testenv.SyncBuffer
	d, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: dir, DatabaseURL: dbURL,
		MasterKey: hmacgate.GenerateKey().Reveal(), Stdout: &bytes.Buffer{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := serve(d)
	stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the data directory was made although nothing uses it: %v", err)
	}
	line := logs.String()
	if !strings.Contains(line, "msg=serving") || strings.Contains(line, "admin") || strings.Contains(line, "data_dir") || !strings.Contains(line, "store=postgres") {
		t.Errorf("start log: %s", line)
	}
}
