package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
)

func namespace() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test-" + hex.EncodeToString(b)
}

func TestClaimOnce(t *testing.T) {
	c := testenv.Redis(t)
	g := replayredis.New(c, namespace())
	ctx := context.Background()
	id := string([]byte{0, 1, 2, 0xff}) + "mac bytes"
	if fresh, err := g.Claim(ctx, id, time.Minute); err != nil || !fresh {
		t.Fatalf("first claim: %v %v", fresh, err)
	}
	if fresh, err := g.Claim(ctx, id, time.Minute); err != nil || fresh {
		t.Fatalf("second claim: %v %v", fresh, err)
	}
	// The key is namespaced and hashed: the id is not stored in clear.
	key := g.Key(id)
	if !strings.Contains(key, ":replay:") || strings.Contains(key, "mac bytes") {
		t.Errorf("key %q", key)
	}
	ttl, err := c.PTTL(ctx, key).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Errorf("the claim's ttl is %v (%v)", ttl, err)
	}
	if _, err := g.Claim(ctx, "x", 0); err == nil {
		t.Error("a zero ttl was accepted")
	}
}

// TestConcurrentClaims: of 64 goroutines on two clients claiming one id,
// exactly one wins.
func TestConcurrentClaims(t *testing.T) {
	ns := namespace()
	guards := []*replayredis.Guard{replayredis.New(testenv.Redis(t), ns), replayredis.New(testenv.Redis(t), ns)}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fresh, err := guards[i%2].Claim(context.Background(), "the same order", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if fresh {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d claims won; want 1", wins.Load())
	}
}

// TestUnreachableFailsClosed: with Redis down, Claim errs (never claims).
func TestUnreachableFailsClosed(t *testing.T) {
	g, c, err := replayredis.Open("redis://127.0.0.1:1/0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fresh, err := g.Claim(context.Background(), "id", time.Minute)
	if err == nil || fresh {
		t.Fatalf("got %v, %v; want an error", fresh, err)
	}
}

// TestRedisStoppedAndRestarted: while Redis is down no claim succeeds; when
// it is back, claims work again with the same client, without a restart.
func TestRedisStoppedAndRestarted(t *testing.T) {
	own := testenv.StartRedis(t)
	g, c, err := replayredis.Open(own.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if fresh, err := g.Claim(ctx, "before", time.Minute); err != nil || !fresh {
		t.Fatalf("before: %v %v", fresh, err)
	}
	own.Stop()
	for i := range 5 {
		if fresh, err := g.Claim(ctx, "during-"+string(rune('a'+i)), time.Minute); err == nil || fresh {
			t.Fatalf("claim %d while Redis is down: %v %v; want an error", i, fresh, err)
		}
	}
	own.Start()
	var lastErr error
	for range 50 { // the pool redials on demand; allow it a few tries
		fresh, err := g.Claim(ctx, "after", time.Minute)
		if err == nil && fresh {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("claims did not resume after Redis came back: %v", lastErr)
}
