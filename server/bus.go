package server

import (
	"context"
	"time"
)

// Bus carries cache invalidations between instances that share a store:
// when one instance changes an environment's keys, mode or integrations,
// the others drop their cached copy at once. A lost message is caught by the
// periodic refresh ([Options.RefreshEvery]).
type Bus interface {
	// Publish announces that an environment changed ("" for all).
	Publish(ctx context.Context, envID string) error
	// Subscribe calls fn for every announcement, including this instance's
	// own, until ctx is done. It returns when the subscription is in place.
	Subscribe(ctx context.Context, fn func(envID string)) error
}

// startSync connects the cache to the bus and starts the periodic refresh.
func (s *Server) startSync(bus Bus, every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopSync = cancel
	if bus != nil {
		s.cache.publish = func(envID string) {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			if err := bus.Publish(pctx, envID); err != nil {
				s.log.Warn("cache invalidation not published; other instances catch up at their next refresh", "env", envID, "err", err.Error())
			}
		}
		if err := bus.Subscribe(ctx, s.cache.drop); err != nil {
			s.log.Warn("cache invalidation subscription failed; relying on the periodic refresh", "err", err.Error())
		}
	}
	if every <= 0 {
		return
	}
	s.syncDone = make(chan struct{})
	go func() {
		defer close(s.syncDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.refresh(ctx)
			}
		}
	}()
}

// refresh drops cached environments whose stored version moved on or that
// are gone: the fallback when an invalidation message was lost.
func (s *Server) refresh(ctx context.Context) {
	cached := s.cache.versions()
	if len(cached) == 0 {
		return
	}
	envs, err := s.store.Environments(ctx)
	if err != nil {
		s.log.Warn("cache refresh failed", "err", err.Error())
		return
	}
	stored := make(map[string]int64, len(envs))
	for _, e := range envs {
		stored[e.ID] = e.Version
	}
	for id, v := range cached {
		if sv, ok := stored[id]; !ok || sv != v {
			s.cache.drop(id)
		}
	}
}
