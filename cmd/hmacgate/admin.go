package main

import (
	"flag"
	"fmt"

	"github.com/hmacgate/hmacgate/server"
)

var adminGroup = &group{
	name: "admin",
	noun: "command",
	subs: []command{
		{name: "reset-token", summary: "make a new admin token for serve (the old one stops working)", run: runAdminResetToken},
		{name: "reseal", summary: "re-encrypt every sealed secret under the first master key (master key rotation)", run: runAdminReseal},
		{name: "backup", summary: "write a consistent copy of the SQLite database while serve runs", run: runAdminBackup},
	},
	example: resetTokenSpec.example,
}

// storeFlags adds the flags that say where a server keeps its state.
func storeFlags(e *env, fs *flag.FlagSet) *server.Config {
	cfg := &server.Config{}
	fs.StringVar(&cfg.DataDir, "data-dir", envOr(e, "HMACGATE_DATA_DIR", "hmacgate-data"),
		"the data directory `DIR` of the server (its SQLite database and master.key) [HMACGATE_DATA_DIR]")
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr(e, "HMACGATE_DATABASE_URL", ""),
		"the server's PostgreSQL at `URL` (postgres://…), instead of --data-dir [HMACGATE_DATABASE_URL]")
	return cfg
}

var resetTokenSpec = &spec{
	name:     "admin reset-token",
	synopsis: "[--data-dir DIR | --database-url postgres://…]",
	about: `Make a new admin token for the server whose data directory is DIR (or
whose PostgreSQL database is at --database-url), store its hash, and print it
once as "admin token: <token>". The old token stops working at once, also for
a server that is running.

Every flag can also be set by the environment variable named in brackets
after it; a flag given on the command line wins.`,
	example: `  $ hmacgate serve --data-dir ./hmacgate-data > serve.log &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null localhost:8080/healthz
  # the admin token serve printed is lost:
  $ hmacgate admin reset-token --data-dir ./hmacgate-data > token.txt
  $ cat token.txt
  admin token: hga_…
  $ curl -s -o /dev/null -w '%{http_code}\n' localhost:8080/v1/environments -H "Authorization: Bearer $(sed 's/^admin token: //' token.txt)"
  200
  $ kill %1`,
}

func runAdminResetToken(e *env, args []string) int {
	fs := newFlags(resetTokenSpec)
	cfg := storeFlags(e, fs)
	if code, done := e.parse(resetTokenSpec, fs, args); done {
		return code
	}
	store, err := server.OpenExistingStore(e.ctx, *cfg)
	if err != nil {
		return e.inputError(fmt.Errorf("open the store: %w", err))
	}
	defer store.Close()
	tok, err := server.ResetAdminToken(e.ctx, store)
	if err != nil {
		return e.inputError(err)
	}
	fmt.Fprintf(e.stdout, "admin token: %s\n", tok)
	return exitOK
}

var resealSpec = &spec{
	name:     "admin reseal",
	synopsis: "[--data-dir DIR | --database-url postgres://…] [--check]",
	about: `Re-encrypt every sealed value (HMAC keys, product secrets, end users'
credentials) under the first master key, for a master key rotation
(docs/deploy.md). The master keys come from HMACGATE_MASTER_KEY (separated by
commas) or the data directory's master.key (one per line): the first seals,
all of them open.

It runs online, next to serving instances, and may be run again: a value
already sealed under the first key is left alone, and a value an instance
changed meanwhile is read again. --check writes nothing and exits 1 if any
value is still sealed under an older key (run it before dropping one).

Every flag can also be set by the environment variable named in brackets
after it; a flag given on the command line wins.`,
	example: `  $ hmacgate serve --data-dir ./hmacgate-data > serve.log &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null localhost:8080/healthz
  # rotate the master key: a new key first in master.key, the old one after it
  $ kill %% && wait %%
  $ (hmacgate keygen && cat ./hmacgate-data/master.key) > master.key.new && mv master.key.new ./hmacgate-data/master.key
  $ hmacgate serve --data-dir ./hmacgate-data > serve.log &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null localhost:8080/healthz
  # while serve runs:
  $ hmacgate admin reseal --data-dir ./hmacgate-data
  resealed 1 of 1 sealed values under the first master key
  $ hmacgate admin reseal --data-dir ./hmacgate-data --check
  0 of 1 sealed values are sealed under an older master key
  # now the old key (the second line of master.key) may go
  $ kill %%`,
}

func runAdminReseal(e *env, args []string) int {
	fs := newFlags(resealSpec)
	cfg := storeFlags(e, fs)
	check := fs.Bool("check", false, "write nothing; exit 1 if a value is still sealed under an older key")
	if code, done := e.parse(resealSpec, fs, args); done {
		return code
	}
	cfg.MasterKey = e.getenv("HMACGATE_MASTER_KEY")
	sealer, err := server.LoadSealer(*cfg)
	if err != nil {
		return e.inputError(err)
	}
	store, err := server.OpenExistingStore(e.ctx, *cfg)
	if err != nil {
		return e.inputError(fmt.Errorf("open the store: %w", err))
	}
	defer store.Close()
	rep, err := server.Reseal(e.ctx, store, sealer, *check)
	if err != nil {
		fmt.Fprintf(e.stderr, "error: reseal: %v\n", err)
		return exitRefused
	}
	if *check {
		fmt.Fprintf(e.stdout, "%d of %d sealed values are sealed under an older master key\n", rep.Resealed, rep.Checked)
		if rep.Resealed > 0 {
			return exitRefused
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "resealed %d of %d sealed values under the first master key\n", rep.Resealed, rep.Checked)
	if rep.Raced > 0 {
		fmt.Fprintf(e.stdout, "(%d changed by a running instance meanwhile were read again)\n", rep.Raced)
	}
	return exitOK
}

var backupSpec = &spec{
	name:     "admin backup",
	synopsis: "--out FILE [--data-dir DIR]",
	about: `Write a consistent copy of the embedded SQLite database of DIR to FILE,
online: a running serve goes on reading and writing. The copy holds every
change committed before the backup started, passes PRAGMA integrity_check,
has mode 0600, and appears under FILE only when complete; FILE must not exist.

The copy does not hold the master key: keep master.key (or
HMACGATE_MASTER_KEY) apart from it, and both safe. To restore, stop serve,
put the copy in place as DIR/hmacgate.db (removing hmacgate.db-wal and
hmacgate.db-shm), keep the same master key, and start serve (docs/deploy.md).
For PostgreSQL, use pg_dump.

Every flag can also be set by the environment variable named in brackets
after it; a flag given on the command line wins.`,
	example: `  $ hmacgate serve --data-dir ./hmacgate-data > serve.log &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null localhost:8080/healthz
  # while serve runs:
  $ hmacgate admin backup --data-dir ./hmacgate-data --out hmacgate-backup.db
  backup written to hmacgate-backup.db
  $ kill %%`,
}

func runAdminBackup(e *env, args []string) int {
	fs := newFlags(backupSpec)
	cfg := storeFlags(e, fs)
	out := fs.String("out", "", "write the copy to `FILE`, which must not exist")
	if code, done := e.parse(backupSpec, fs, args); done {
		return code
	}
	if *out == "" {
		return e.usageError("hmacgate admin backup", "--out FILE is required")
	}
	if err := server.BackupSQLite(e.ctx, *cfg, *out); err != nil {
		return e.inputError(err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s\n", *out)
	return exitOK
}
