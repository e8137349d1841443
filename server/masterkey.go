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
	"github.com/hmacgate/hmacgate/postgres"
	"github.com/hmacgate/hmacgate/seal"
)

// masterKeyFile is the master key file's name in the data directory.
const masterKeyFile = "master.key"

// settingMasterCheck holds a value sealed under the master key, to detect a
// wrong master key at start instead of on the first request. It is also
// what tells that a database already holds sealed secrets.
const settingMasterCheck = "master_key_check"

// masterCheckText is what the master key check seals.
const masterCheckText = "hmacgate master key check"

// errNoMasterKey says that neither HMACGATE_MASTER_KEY nor the key file is there.
var errNoMasterKey = errors.New("no master key")

// ParseMasterKeys reads a list of master keys: one per line, or separated
// by commas (HMACGATE_MASTER_KEY), blank entries ignored. The first seals,
// all of them open: that is how the master key rotates (docs/deploy.md).
// Each must be at least 32 bytes, and none may repeat. source names where
// the list came from, for the error.
func ParseMasterKeys(text, source string) ([]hmacgate.Key, error) {
	var keys []hmacgate.Key
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimRight(v, "\r")
			if strings.TrimSpace(v) == "" {
				continue
			}
			k, err := hmacgate.ParseKey(v)
			if err != nil || k.Weak() {
				return nil, fmt.Errorf("%s: key %d is shorter than 32 bytes; make keys with hmacgate keygen", source, len(keys)+1)
			}
			if seen[v] {
				return nil, fmt.Errorf("%s: key %d repeats an earlier one", source, len(keys)+1)
			}
			seen[v] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: %w", source, errNoMasterKey)
	}
	return keys, nil
}

// loadMasterKeys returns the configured master keys: HMACGATE_MASTER_KEY,
// else the data directory's key file; errNoMasterKey when there is neither.
func loadMasterKeys(cfg Config) ([]hmacgate.Key, error) {
	if cfg.MasterKey != "" {
		return ParseMasterKeys(cfg.MasterKey, "HMACGATE_MASTER_KEY")
	}
	path := filepath.Join(cfg.DataDir, masterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoMasterKey
	}
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	return ParseMasterKeys(string(b), path)
}

// LoadSealer returns the sealer of the configured master keys
// (HMACGATE_MASTER_KEY, else the data directory's key file) for an admin
// command; unlike serve, it never makes a key.
func LoadSealer(cfg Config) (*seal.Sealer, error) {
	keys, err := loadMasterKeys(cfg)
	if errors.Is(err, errNoMasterKey) {
		return nil, fmt.Errorf("no master key: set HMACGATE_MASTER_KEY or pass the --data-dir that holds %s", masterKeyFile)
	}
	if err != nil {
		return nil, err
	}
	return seal.New(keys[0], keys[1:]...)
}

// openSealer returns the sealer of the configured master keys. With none
// configured it makes a new key file, but only for a new database: a
// database that holds sealed secrets next to a missing key means the key
// was lost or moved, and a new random key would only hide that (issue 12,
// finding 5). Nothing is written then.
func (d *Daemon) openSealer(ctx context.Context) (*seal.Sealer, error) {
	cfg := d.cfg
	keys, err := loadMasterKeys(cfg)
	if errors.Is(err, errNoMasterKey) && cfg.MasterKey == "" {
		exists, xerr := databaseExists(ctx, cfg)
		if xerr != nil {
			return nil, xerr
		}
		if exists {
			return nil, fmt.Errorf("the database already holds secrets sealed under a master key, but %s is missing and HMACGATE_MASTER_KEY is unset: "+
				"restore the master key it was created with (refusing to start; nothing was written)", filepath.Join(cfg.DataDir, masterKeyFile))
		}
		keys, err = createMasterKeyFile(filepath.Join(cfg.DataDir, masterKeyFile))
	}
	if err != nil {
		return nil, err
	}
	return seal.New(keys[0], keys[1:]...)
}

// databaseExists reports, without writing anything, whether the configured
// database was started before: a SQLite file in the data directory, or a
// PostgreSQL database whose master key check is stored.
func databaseExists(ctx context.Context, cfg Config) (bool, error) {
	if cfg.DatabaseURL != "" {
		ok, err := postgres.HasSetting(ctx, cfg.DatabaseURL, settingMasterCheck)
		if err != nil {
			return false, fmt.Errorf("open store: %w", err)
		}
		return ok, nil
	}
	fi, err := os.Stat(sqlitePath(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.Size() > 0, nil
}

// createMasterKeyFile writes a new random master key to path (mode 0600);
// O_EXCL keeps two processes from each writing their own.
func createMasterKeyFile(path string) ([]hmacgate.Key, error) {
	k := hmacgate.GenerateKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	_, werr := f.WriteString(k.Reveal() + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write master key file: %w", err)
	}
	return []hmacgate.Key{k}, nil
}

// checkMasterKey proves at start that the master keys open the database's
// secrets, by the check value sealed on the first start. Of instances
// starting together on a new database, the first to store the check wins;
// the others then check theirs against it.
func checkMasterKey(ctx context.Context, store platform.Store, sealer *seal.Sealer) error {
	err := store.AddSetting(ctx, settingMasterCheck, sealer.Seal([]byte(masterCheckText), settingMasterCheck), platform.AuditEntry{})
	if err == nil {
		return nil
	}
	if !errors.Is(err, platform.ErrConflict) {
		return err
	}
	sealed, err := store.Setting(ctx, settingMasterCheck)
	if err != nil {
		return err
	}
	if plain, err := sealer.Open(sealed, settingMasterCheck); err != nil || string(plain) != masterCheckText {
		return errors.New("the master key does not open this database's secrets: use the master key it was created with " +
			"(HMACGATE_MASTER_KEY or the data dir's master.key; during a rotation, list the old key after the new one)")
	}
	return nil
}
