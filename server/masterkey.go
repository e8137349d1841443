package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/seal"
)

const masterKeyFile = "master.key"

// settingMasterCheck holds a value sealed under the master key, to detect a
// wrong master key at start instead of on the first request.
const settingMasterCheck = "master_key_check"

func loadMasterKey(cfg Config) (hmacgate.Key, error) {
	if cfg.MasterKey != "" {
		k, err := hmacgate.ParseKey(cfg.MasterKey)
		if err != nil || k.Weak() {
			return hmacgate.Key{}, errors.New("HMACGATE_MASTER_KEY must be at least 32 bytes; make one with hmacgate keygen")
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, masterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := hmacgate.GenerateKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return hmacgate.Key{}, fmt.Errorf("create master key file: %w", err)
		}
		if _, err := f.WriteString(k.Reveal() + "\n"); err != nil {
			f.Close()
			return hmacgate.Key{}, err
		}
		if err := f.Close(); err != nil {
			return hmacgate.Key{}, err
		}
		return k, nil
	}
	if err != nil {
		return hmacgate.Key{}, fmt.Errorf("read master key file: %w", err)
	}
	k, err := hmacgate.ParseKey(strings.TrimRight(string(b), "\r\n"))
	if err != nil || k.Weak() {
		return hmacgate.Key{}, fmt.Errorf("%s must hold a key of at least 32 bytes", path)
	}
	return k, nil
}

func checkMasterKey(ctx context.Context, store platform.Store, sealer *seal.Sealer) error {
	const want = "hmacgate master key check"
	sealed, err := store.Setting(ctx, settingMasterCheck)
	if errors.Is(err, platform.ErrNotFound) {
		return store.SetSetting(ctx, settingMasterCheck, sealer.Seal([]byte(want), settingMasterCheck), platform.AuditEntry{})
	}
	if err != nil {
		return err
	}
	if plain, err := sealer.Open(sealed, settingMasterCheck); err != nil || string(plain) != want {
		return errors.New("the master key does not open this database's secrets: use the master key it was created with (HMACGATE_MASTER_KEY or the data dir's master.key)")
	}
	return nil
}
