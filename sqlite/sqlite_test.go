package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hmacgate/hmacgate/internal/storetest"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/sqlite"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) platform.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hmacgate.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hmacgate.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustEnv(t, s, "env1")
	s.Close()
	s, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Environment(context.Background(), "env1"); err != nil {
		t.Fatal(err)
	}
}

func TestAtomicity(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hmacgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.RunAtomicity(t, s, func(t *testing.T) {
		_, err := s.DB().Exec(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.action = '` + storetest.FailingAction + `'
			BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
		if err != nil {
			t.Fatal(err)
		}
	})
}
