package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// reportCounter counts connect-call verdicts per environment and hour in
// memory and adds them to the store every few seconds, so that counting
// costs the connect path no database write.
type reportCounter struct {
	store platform.Store
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	pending map[reportKey]*platform.ReportCount

	stop chan struct{}
	done chan struct{}
}

type reportKey struct {
	env  string
	hour int64
}

const reportFlushEvery = 5 * time.Second

func newReportCounter(store platform.Store, log *slog.Logger, now func() time.Time) *reportCounter {
	c := &reportCounter{store: store, log: log, now: now, pending: map[reportKey]*platform.ReportCount{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *reportCounter) add(envID string, v verdict) {
	hour := c.now().UTC().Truncate(time.Hour)
	k := reportKey{envID, hour.Unix()}
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := c.pending[k]
	if rc == nil {
		rc = &platform.ReportCount{EnvID: envID, Hour: hour}
		c.pending[k] = rc
	}
	switch v {
	case verdictValid:
		rc.Valid++
	case verdictMissing:
		rc.Missing++
	case verdictInvalid:
		rc.Invalid++
	}
}

func (c *reportCounter) loop() {
	defer close(c.done)
	t := time.NewTicker(reportFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.Flush(context.Background())
		case <-c.stop:
			c.Flush(context.Background())
			return
		}
	}
}

// Flush adds the pending counts to the store. Counts that fail to be written
// are kept for the next flush.
func (c *reportCounter) Flush(ctx context.Context) {
	c.mu.Lock()
	batch := make([]platform.ReportCount, 0, len(c.pending))
	for _, rc := range c.pending {
		batch = append(batch, *rc)
	}
	c.pending = map[reportKey]*platform.ReportCount{}
	c.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	if err := c.store.AddReportCounts(ctx, batch); err != nil {
		c.log.Error("report flush failed; keeping counts", "err", err.Error())
		c.mu.Lock()
		for _, rc := range batch {
			k := reportKey{rc.EnvID, rc.Hour.Unix()}
			if p := c.pending[k]; p != nil {
				p.Valid, p.Missing, p.Invalid = p.Valid+rc.Valid, p.Missing+rc.Missing, p.Invalid+rc.Invalid
			} else {
				cp := rc
				c.pending[k] = &cp
			}
		}
		c.mu.Unlock()
	}
}

// Close stops the loop after a last flush.
func (c *reportCounter) Close() error {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
	return nil
}
