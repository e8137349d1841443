package main

import (
	"fmt"

	"github.com/hmacgate/hmacgate/server"
)

var adminGroup = &group{
	name: "admin",
	noun: "command",
	subs: []command{
		{name: "reset-token", summary: "make a new admin token for serve (the old one stops working)", run: runAdminResetToken},
	},
	example: resetTokenSpec.example,
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
	dataDir := fs.String("data-dir", envOr(e, "HMACGATE_DATA_DIR", "hmacgate-data"), "the data directory `DIR` of the server (its SQLite database) [HMACGATE_DATA_DIR]")
	databaseURL := fs.String("database-url", envOr(e, "HMACGATE_DATABASE_URL", ""), "the server's PostgreSQL at `URL` (postgres://…), instead of --data-dir [HMACGATE_DATABASE_URL]")
	if code, done := e.parse(resetTokenSpec, fs, args); done {
		return code
	}
	store, err := server.OpenStore(e.ctx, server.Config{DataDir: *dataDir, DatabaseURL: *databaseURL})
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
