// Package redis is a [hmacgate.ReplayGuard] shared by several instances,
// kept in Redis through github.com/redis/go-redis/v9.
//
// A claim is one command, SET key 1 NX PX <ttl>: Redis runs it atomically,
// so of any number of instances claiming the same id at once exactly one
// gets OK. Keys are namespaced and hashed: "<namespace>:replay:" followed by
// the hex SHA-256 of the id, so no signature is stored in clear.
//
// When Redis cannot answer, Claim returns the error and the caller refuses
// the request (fail closed); go-redis reconnects by itself, so service
// resumes when Redis is back, without a restart.
package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hmacgate/hmacgate"
)

// DefaultTimeout bounds one claim when the caller's context has no earlier
// deadline: a slow Redis refuses requests quickly instead of holding them.
const DefaultTimeout = 500 * time.Millisecond

// Guard claims ids in Redis.
type Guard struct {
	client  goredis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ hmacgate.ReplayGuard = (*Guard)(nil)

// New returns a guard on client. namespace separates deployments that share
// a Redis; empty means "hmacgate".
func New(client goredis.UniversalClient, namespace string) *Guard {
	if namespace == "" {
		namespace = "hmacgate"
	}
	return &Guard{client: client, prefix: namespace + ":replay:", timeout: DefaultTimeout}
}

// Open connects to the Redis at url (redis://…) and returns a guard on it
// and the client, which the caller closes.
func Open(url, namespace string) (*Guard, *goredis.Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, nil, err
	}
	c := goredis.NewClient(opts)
	return New(c, namespace), c, nil
}

// Key returns the Redis key that holds a claim of id.
func (g *Guard) Key(id string) string {
	h := sha256.Sum256([]byte(id))
	return g.prefix + hex.EncodeToString(h[:])
}

// Claim records id for ttl unless it is recorded already, and reports
// whether this call recorded it.
func (g *Guard) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errors.New("replay/redis: claim ttl must be positive")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	err := g.client.SetArgs(ctx, g.Key(id), "1", goredis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, goredis.Nil):
		return false, nil // NX refused: claimed already
	}
	return false, err
}
