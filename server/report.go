package server

import (
	"context"
	"fmt"
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

	cancel context.CancelFunc // stops the loop and any flush it is in
	done   chan struct{}
}

type reportKey struct {
	env  string
	hour int64
}

const reportFlushEvery = 5 * time.Second

// reportFlushTimeout bounds one periodic flush: a database that hangs must
// not pile up flushes, nor hold the counts for longer than a few periods.
const reportFlushTimeout = 5 * time.Second

func newReportCounter(store platform.Store, log *slog.Logger, now func() time.Time) *reportCounter {
	ctx, cancel := context.WithCancel(context.Background())
	c := &reportCounter{store: store, log: log, now: now, pending: map[reportKey]*platform.ReportCount{},
		cancel: cancel, done: make(chan struct{})}
	go c.loop(ctx)
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

func (c *reportCounter) loop(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(reportFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, reportFlushTimeout)
			c.Flush(fctx)
			cancel()
		case <-ctx.Done():
			return
		}
	}
}

// Flush adds the pending counts to the store. Counts that fail to be written
// are kept for the next flush, and the failure is logged.
func (c *reportCounter) Flush(ctx context.Context) {
	if err := c.flush(ctx); err != nil {
		c.log.Error("report flush failed; keeping counts", "err", err.Error())
	}
}

// flush adds the pending counts to the store, or keeps them and returns why
// it could not.
func (c *reportCounter) flush(ctx context.Context) error {
	c.mu.Lock()
	batch := make([]platform.ReportCount, 0, len(c.pending))
	for _, rc := range c.pending {
		batch = append(batch, *rc)
	}
	c.pending = map[reportKey]*platform.ReportCount{}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := c.store.AddReportCounts(ctx, batch)
	if err == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rc := range batch {
		k := reportKey{rc.EnvID, rc.Hour.Unix()}
		if p := c.pending[k]; p != nil {
			p.Valid, p.Missing, p.Invalid = p.Valid+rc.Valid, p.Missing+rc.Missing, p.Invalid+rc.Invalid
		} else {
			cp := rc
			c.pending[k] = &cp
		}
	}
	return err
}

// Close stops the loop and makes a last flush within ctx (the daemon's
// shutdown timeout), so that a database that hangs cannot hold shutdown
// past it. It returns the last flush's error: the counts it could not
// write are lost with the process.
func (c *reportCounter) Close(ctx context.Context) error {
	c.cancel()
	select {
	case <-c.done: // the loop's flush ends with its context
	case <-ctx.Done():
		return fmt.Errorf("report counts of the last seconds were not saved: %w", ctx.Err())
	}
	if err := c.flush(ctx); err != nil {
		return fmt.Errorf("report counts of the last seconds were not saved: %w", err)
	}
	return nil
}
