package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/loadtest"
	"github.com/hmacgate/hmacgate/server"
)

// runConnect starts `hmacgate serve` in-process with one environment in
// enforce mode and compares a no-op route (/healthz) with refused and
// accepted connect calls on the same server.
func runConnect(cfg config) ([]loadtest.Result, error) {
	dir, err := os.MkdirTemp("", "hmacgate-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var out bytes.Buffer
	d, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: dir, Stdout: &out})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	base := "http://" + d.Addr()
	admin := strings.TrimSpace(strings.TrimPrefix(out.String(), "admin token: "))

	var env struct {
		PublicKey string `json:"public_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := call(base, "POST", "/v1/environments", admin, `{"name":"load"}`, &env); err != nil {
		return nil, err
	}
	var key struct{ Key string }
	steps := []error{
		call(base, "POST", "/v1/integrations", env.SecretKey, `{"id":"github"}`, nil),
		call(base, "POST", "/v1/hmac/keys", env.SecretKey, `{}`, &key),
	}
	steps = append(steps, call(base, "PUT", "/v1/hmac/mode", env.SecretKey, `{"mode":"enforce"}`, nil))
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	k := hmacgate.MustParseKey(key.Key)
	h := http.Header{"Content-Type": {"application/json"}}
	connectURL := base + "/v1/connect/github"
	missing := []byte(`{"public_key":"` + env.PublicKey + `","connection_id":"user-1"}`)
	wrong := []byte(`{"public_key":"` + env.PublicKey + `","connection_id":"user-1","hmac":"` + strings.Repeat("0", 64) + `"}`)
	accepted := make([][]byte, cfg.max)
	for i := range accepted {
		id := fmt.Sprintf("user-%d", i)
		dg, _ := connect.Digest(k, "github", id)
		accepted[i] = []byte(`{"public_key":"` + env.PublicKey + `","connection_id":"` + id + `","hmac":"` + dg + `"}`)
	}

	attacks := []struct {
		name string
		run  func() (loadtest.Result, error)
	}{
		{"no-op handler (GET /healthz)", func() (loadtest.Result, error) {
			return loadtest.Attack("noop", "no-op handler (GET /healthz)", loadtest.Static("GET", base+"/healthz", nil, nil), cfg.workers, cfg.duration, cfg.max)
		}},
		{"refused: no digest (401 missing_hmac)", func() (loadtest.Result, error) {
			return loadtest.Attack("refused-missing", "refused: no digest", loadtest.Static("POST", connectURL, h, missing), cfg.workers, cfg.duration, cfg.max)
		}},
		{"refused: wrong digest (401 invalid_hmac)", func() (loadtest.Result, error) {
			return loadtest.Attack("refused-wrong", "refused: wrong digest", loadtest.Static("POST", connectURL, h, wrong), cfg.workers, cfg.duration, cfg.max)
		}},
		{"accepted: new connection (201, SQLite write)", func() (loadtest.Result, error) {
			return loadtest.Attack("accepted", "accepted: new connection", loadtest.Cycle("POST", connectURL, h, accepted), cfg.workers, cfg.duration, cfg.max)
		}},
	}
	var results []loadtest.Result
	fmt.Println(loadtest.Header)
	for _, a := range attacks {
		r, err := a.run()
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		fmt.Println(r)
	}
	noop := results[0].Rate
	fmt.Printf("\nrefused (no digest) / no-op: %.2f; refused (wrong digest) / no-op: %.2f; accepted / no-op: %.2f\n",
		results[1].Rate/noop, results[2].Rate/noop, results[3].Rate/noop)
	return results, nil
}

func call(base, method, path, token, body string, out any) error {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
