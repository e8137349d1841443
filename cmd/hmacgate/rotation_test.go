package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
	"github.com/hmacgate/hmacgate/internal/testenv"
)

// rotationCluster is two serve processes on one PostgreSQL database.
type rotationCluster struct {
	t     *testing.T
	dbURL string
	admin string
	nodes [2]*serveProc
}

// restart replaces the instances one after the other, as a rolling deploy
// does, with the master keys keys.
func (c *rotationCluster) restart(keys string) {
	c.t.Helper()
	for i := range c.nodes {
		if c.nodes[i] != nil {
			if err := c.nodes[i].stop(); err != nil {
				c.t.Fatalf("stop instance %d: %v\n%s", i, err, c.nodes[i].stderr.String())
			}
		}
		c.nodes[i] = mustServe(c.t, c.vars(keys), "--data-dir", c.t.TempDir(), "--database-url", c.dbURL)
	}
}

func (c *rotationCluster) vars(keys string) []string {
	return []string{"HMACGATE_MASTER_KEY=" + keys, "HMACGATE_ADMIN_TOKEN=" + c.admin}
}

// reseal runs hmacgate admin reseal with the master keys keys.
func (c *rotationCluster) reseal(keys string, args ...string) (int, string) {
	c.t.Helper()
	code, out, errOut := runHmacgate(c.t, c.vars(keys), append([]string{"admin", "reseal", "--database-url", c.dbURL}, args...)...)
	return code, out + errOut
}

// connectWithCredentials makes a connection of integration crm with an API
// key through node, and reports whether it was stored.
func connectWithCredentials(base string, e envCreds, id string) bool {
	body, _ := json.Marshal(map[string]any{"public_key": e.PublicKey, "connection_id": id,
		"credentials": map[string]string{"api_key": "api-key-of-" + id}})
	res, err := http.Post(base+"/v1/connect/crm", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == 201
}

// TestMasterKeyRotation runs the rotation procedure of docs/deploy.md with
// real processes: two instances on PostgreSQL, a rolling restart with the
// new key listed second, another with it first, `hmacgate admin reseal`
// while both serve and take writes, and the old key dropped. Every secret
// sealed before, during and after still opens under the new key alone
// (issue 12, finding 5: the master key could not be rotated).
func TestMasterKeyRotation(t *testing.T) {
	dbURL, _ := testenv.PostgresSchema(t)
	oldKey, newKey := newKey(t), newKey(t)
	c := &rotationCluster{t: t, dbURL: dbURL, admin: "hga_" + strings.Repeat("r", 40)}
	c.restart(oldKey)
	a := c.nodes[0]

	// State sealed under the old key: an HMAC key, credentials, a product secret.
	var e envCreds
	must(t, "create environment", a.call("POST", "/v1/environments", c.admin, `{"name":"rotation"}`, &e), 201)
	must(t, "create integration", a.call("POST", "/v1/integrations", e.SecretKey, `{"id":"crm","auth_mode":"api_key"}`, nil), 201)
	var key struct{ Key string }
	must(t, "create HMAC key", a.call("POST", "/v1/hmac/keys", e.SecretKey, `{}`, &key), 201)
	var prod struct{ ID string }
	must(t, "create product", a.call("POST", "/v1/products", e.SecretKey, `{"name":"p","order_url":"https://partner.example/orders"}`, &prod), 201)
	must(t, "create product secret", a.call("POST", "/v1/products/"+prod.ID+"/secrets", e.SecretKey, `{}`, nil), 201)
	var stored []string // connections whose credentials must open at the end
	for i := range 20 {
		id := "before-" + sprint(i)
		if !connectWithCredentials(a.base, e, id) {
			t.Fatalf("connection %s", id)
		}
		stored = append(stored, id)
	}

	// 1. Every instance learns the new key, the old one still sealing.
	c.restart(oldKey + "," + newKey)
	// 2. The new key seals; the old one still opens.
	c.restart(newKey + "," + oldKey)
	if code, out := c.reseal(newKey+","+oldKey, "--check"); code != 1 || !strings.Contains(out, "sealed under an older master key") {
		t.Fatalf("reseal --check before the reseal: %d %s; want 1", code, out)
	}

	// 3. Reseal online, while both instances take writes.
	var mu sync.Mutex
	var stop atomic.Bool
	var wg sync.WaitGroup
	during := 0
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if i%2 == 1 { // re-authorize a connection the reseal may be rewriting
					connectWithCredentials(c.nodes[w].base, e, "before-"+sprint(i/2%20))
					continue
				}
				id := "during-" + sprint(w, "-", i)
				if connectWithCredentials(c.nodes[w].base, e, id) {
					mu.Lock()
					stored, during = append(stored, id), during+1
					mu.Unlock()
				}
			}
		}()
	}
	code, out := c.reseal(newKey + "," + oldKey)
	stop.Store(true)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "resealed ") {
		t.Fatalf("reseal: %d %s", code, out)
	}
	t.Logf("%s(%d connections written during the reseal)", out, during)
	if code, out := c.reseal(newKey+","+oldKey, "--check"); code != 0 || !strings.HasPrefix(out, "0 of ") {
		t.Fatalf("reseal --check after the reseal: %d %s; want nothing left under the old key", code, out)
	}
	if code, out := c.reseal(newKey + "," + oldKey); code != 0 || !strings.HasPrefix(out, "resealed 0 of ") {
		t.Errorf("a second reseal: %d %s; want nothing to do", code, out)
	}

	// 4. The old key goes; it alone no longer opens anything.
	bad := launchServe(t, c.vars(oldKey), "--data-dir", t.TempDir(), "--database-url", dbURL)
	if bad.ready() || !strings.Contains(bad.stderr.String(), "master key does not open") {
		t.Fatalf("the old key alone after the rotation: %s", bad.stderr.String())
	}
	c.restart(newKey)
	checkSealedState(t, c, e, key.Key, prod.ID, stored)
}

// checkSealedState proves that every sealed value opens under the running
// instances' key: the credentials of every stored connection, the HMAC key
// (an enforced connect call with a digest) and the product secret (a
// signed order).
func checkSealedState(t *testing.T, c *rotationCluster, e envCreds, hmacKey, productID string, stored []string) {
	t.Helper()
	b := c.nodes[1]
	for _, id := range stored {
		var cn struct{ Credentials map[string]string }
		code := b.call("GET", "/v1/connections/crm/"+id+"?include_credentials=true", e.SecretKey, "", &cn)
		if code != 200 || cn.Credentials["api_key"] != "api-key-of-"+id {
			t.Fatalf("connection %s after the rotation: %d %v", id, code, cn.Credentials)
		}
	}
	must(t, "enforce", b.call("PUT", "/v1/hmac/mode", e.SecretKey, `{"mode":"enforce"}`, nil), 200)
	digest, err := connect.Digest(hmacgate.MustParseKey(hmacKey), "crm", "after-rotation")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"public_key": e.PublicKey, "connection_id": "after-rotation", "hmac": digest,
		"credentials": map[string]string{"api_key": "k"}})
	must(t, "connect with a digest of the HMAC key sealed before the rotation", b.call("POST", "/v1/connect/crm", "", string(body), nil), 201)
	must(t, "an order signed with the product secret sealed before the rotation",
		b.call("POST", "/v1/orders", e.SecretKey, `{"productId":"`+productID+`"}`, nil), 201)
}
