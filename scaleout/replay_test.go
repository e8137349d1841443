package scaleout_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/proxy"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
)

// sandboxSetup makes a product whose order URL is node 0's sandbox, with a
// secret, and returns a function that makes a fresh signed order.
func (c *cluster) sandboxSetup() (sandboxPath string, newOrder func() (string, string)) {
	c.t.Helper()
	e := c.newEnv()
	var env struct{ ID string }
	c.do(0, "GET", "/v1/environment", e.SecretKey, "", &env)
	var p struct{ ID string }
	if code := c.do(0, "POST", "/v1/products", e.SecretKey, `{"name":"p","order_url":"https://partner.example/"}`, &p); code != 201 {
		c.t.Fatalf("create product: %d", code)
	}
	if code := c.do(0, "POST", "/v1/products/"+p.ID+"/secrets", e.SecretKey, `{}`, nil); code != 201 {
		c.t.Fatalf("create secret: %d", code)
	}
	newOrder = func() (string, string) {
		var o struct {
			Orderdata string `json:"orderdata"`
			Signature string `json:"hmacsignature"`
		}
		if code := c.do(0, "POST", "/v1/orders", e.SecretKey, `{"productId":"`+p.ID+`","installationId":"inst-1"}`, &o); code != 201 {
			c.t.Fatalf("create order: %d", code)
		}
		return o.Orderdata, o.Signature
	}
	return "/sandbox/" + env.ID + "/" + p.ID, newOrder
}

func postOrder(t *testing.T, target, od, sig string) int {
	t.Helper()
	res, err := http.Post(target, "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"orderdata": {od}, "hmacsignature": {sig}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestOrderReplayedAgainstBothInstances: the same signed order sent to the
// sandbox of both instances, many times at once, is accepted exactly once.
func TestOrderReplayedAgainstBothInstances(t *testing.T) {
	c := startCluster(t, 2, "")
	path, newOrder := c.sandboxSetup()
	od, sig := newOrder()
	var accepted, replayed atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch code := postOrder(t, c.bases[i%2]+path, od, sig); code {
			case 200:
				accepted.Add(1)
			case 401:
				replayed.Add(1)
			default:
				t.Errorf("status %d", code)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 1 || replayed.Load() != 39 {
		t.Errorf("accepted %d, replayed %d; want 1 and 39", accepted.Load(), replayed.Load())
	}
}

// TestRedisStoppedMidRun: while Redis is down no order is accepted on
// either instance (503); after it restarts, service resumes without a
// restart of the instances.
func TestRedisStoppedMidRun(t *testing.T) {
	own := testenv.StartRedis(t)
	c := startCluster(t, 2, own.URL)
	path, newOrder := c.sandboxSetup()
	for node := range 2 {
		od, sig := newOrder()
		if code := postOrder(t, c.bases[node]+path, od, sig); code != 200 {
			t.Fatalf("node %d before the stop: %d", node, code)
		}
	}
	own.Stop()
	for i := range 6 {
		od, sig := newOrder()
		if code := postOrder(t, c.bases[i%2]+path, od, sig); code != 503 {
			t.Fatalf("node %d with Redis down: %d; want 503 (fail closed)", i%2, code)
		}
	}
	own.Start()
	for node := range 2 {
		deadline := time.Now().Add(5 * time.Second)
		for {
			od, sig := newOrder()
			code := postOrder(t, c.bases[node]+path, od, sig)
			if code == 200 {
				break
			}
			if code != 503 || time.Now().After(deadline) {
				t.Fatalf("node %d after Redis came back: %d", node, code)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestProxiesShareReplayClaims: two `hmacgate proxy` instances with
// --redis-url in front of one upstream forward a signed order once.
func TestProxiesShareReplayClaims(t *testing.T) {
	testenv.Redis(t)
	var reached atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer up.Close()
	upURL, _ := url.Parse(up.URL)
	secret := hmacgate.GenerateKey()
	file := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(file, []byte(secret.Reveal()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := "test-proxy-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000000")
	var bases []string
	for range 2 {
		g, client, err := replayredis.Open(testenv.RedisURL(), ns)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		p, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Upstream: upURL, SecretFiles: []string{file}, Replay: g})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		bases = append(bases, "http://"+p.Addr().String())
	}
	form, err := order.Encode(secret, order.OrderData{InstallationID: "inst-1"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			postOrder(t, bases[i%2]+"/orders", form.Get("orderdata"), form.Get("hmacsignature"))
		}()
	}
	wg.Wait()
	if reached.Load() != 1 {
		t.Errorf("the order reached the upstream %d times; want 1", reached.Load())
	}
}
