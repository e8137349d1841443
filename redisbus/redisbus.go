// Package redisbus carries hmacgate's cache invalidations between instances
// over Redis pub/sub ([github.com/redis/go-redis/v9]).
//
// Pub/sub delivers at most once: a message published while an instance is
// disconnected is lost. The bus therefore tells its subscriber to drop
// everything whenever its subscription is re-established, and the server's
// periodic refresh catches anything else.
package redisbus

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Bus publishes and receives invalidations on one channel.
type Bus struct {
	client  *redis.Client
	channel string
}

// New returns a bus on the client. namespace separates deployments that
// share a Redis; empty means "hmacgate".
func New(client *redis.Client, namespace string) *Bus {
	if namespace == "" {
		namespace = "hmacgate"
	}
	return &Bus{client: client, channel: namespace + ":invalidate"}
}

// Publish announces that an environment changed ("" for all).
func (b *Bus) Publish(ctx context.Context, envID string) error {
	return b.client.Publish(ctx, b.channel, envID).Err()
}

// Subscribe calls fn for every announcement until ctx is done; after a
// reconnection it calls fn("") first, since announcements may have been
// missed. It returns once the first subscription is confirmed, or with an
// error if Redis cannot be reached (the caller then relies on its refresh;
// the subscription keeps trying in the background).
func (b *Bus) Subscribe(ctx context.Context, fn func(envID string)) error {
	ps := b.client.Subscribe(ctx, b.channel)
	first := make(chan error, 1)
	go func() {
		defer ps.Close()
		confirmed := false
		for {
			msg, err := ps.Receive(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if !confirmed {
					select {
					case first <- err:
					default:
					}
				}
				// go-redis reconnects on the next Receive; do not spin.
				select {
				case <-ctx.Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
				continue
			}
			switch m := msg.(type) {
			case *redis.Subscription:
				if confirmed {
					fn("") // resubscribed: what happened meanwhile is unknown
				} else {
					confirmed = true
					select {
					case first <- nil:
					default:
					}
				}
			case *redis.Message:
				fn(m.Payload)
			}
		}
	}()
	select {
	case err := <-first:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second):
		return errors.New("redisbus: no subscription confirmation within 5s")
	}
}
