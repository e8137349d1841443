package main

import (
	"fmt"

	"github.com/hmacgate/hmacgate/server"
)

var adminCommands = []command{
	{"reset-token", "make a new admin token for serve (the old one stops working)", runAdminResetToken},
}

var resetTokenSpec = &spec{
	name:     "admin reset-token",
	synopsis: "[--data-dir DIR | --database-url postgres://…]",
	about: `Make a new admin token for the server whose data directory is DIR, store
its hash, and print it once as "admin token: <token>". The old token stops
working at once, also for a server that is running.`,
	example: `  $ hmacgate admin reset-token --data-dir ./hmacgate-data
  admin token: hga_…`,
}

func runAdminResetToken(e *env, args []string) int {
	fs := newFlags(resetTokenSpec)
	dataDir := fs.String("data-dir", envOr(e, "HMACGATE_DATA_DIR", "hmacgate-data"), "")
	databaseURL := fs.String("database-url", envOr(e, "HMACGATE_DATABASE_URL", ""), "")
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
