package server

import (
	"context"
	"errors"
	"time"
)

// DefaultRetention is how long the launch log, the audit log and the
// connect report are kept (--retention).
const DefaultRetention = 90 * 24 * time.Hour

// sweepEvery is how often the retention sweep runs. Orderdata of an expired
// launch link lives at most this long after the link expired.
const sweepEvery = time.Minute

// sweepTimeout bounds one sweep, so that a hung database does not stall it.
const sweepTimeout = time.Minute

// startSweep runs the retention sweep at start and every sweepEvery until
// Shutdown. Several instances sweeping one database is harmless: every
// statement deletes or empties only what is due.
func (s *Server) startSweep() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopSweep = cancel
	s.sweepDone = make(chan struct{})
	go func() {
		defer close(s.sweepDone)
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			sctx, scancel := context.WithTimeout(ctx, sweepTimeout)
			if err := s.Sweep(sctx); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("retention sweep failed; retrying at the next one", "err", err.Error())
			}
			scancel()
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// Sweep keeps stored data only as long as it is needed: it empties the
// orderdata (the user's name and e-mail) of launches whose link was used or
// has expired, and deletes the rows of the launch log, the audit log and
// the connect report older than the retention. Serve runs it every minute.
func (s *Server) Sweep(ctx context.Context) error {
	now := s.now()
	if _, err := s.store.ForgetOrderdata(ctx, now.Add(-launchLinkTTL)); err != nil {
		return err
	}
	deleted, err := s.store.DeleteLogsBefore(ctx, now.Add(-s.retention))
	for table, n := range deleted {
		if n > 0 {
			s.log.Info("retention: deleted old rows", "log", table, "rows", n, "older_than", now.Add(-s.retention).UTC().Format(time.RFC3339))
		}
	}
	return err
}
