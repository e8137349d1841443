package redisbus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/redisbus"
)

func TestPublishReachesEverySubscriber(t *testing.T) {
	c := testenv.Redis(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := "test-" + hex.EncodeToString(b) // runs never hear each other
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := [2]chan string{make(chan string, 10), make(chan string, 10)}
	for i := range got {
		if err := redisbus.New(c, ns).Subscribe(ctx, func(id string) { got[i] <- id }); err != nil {
			t.Fatal(err)
		}
	}
	if err := redisbus.New(c, ns).Publish(ctx, "env_1"); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		select {
		case id := <-got[i]:
			if id != "env_1" {
				t.Errorf("subscriber %d got %q", i, id)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("subscriber %d got nothing", i)
		}
	}
	if err := redisbus.New(c, "other-"+ns).Publish(ctx, "env_2"); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got[0]:
		t.Errorf("a message of another namespace arrived: %q", id)
	case <-time.After(200 * time.Millisecond):
	}
}
