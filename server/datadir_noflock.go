//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package server

import (
	"errors"
	"os"
)

// errLocked says that another process holds the lock.
var errLocked = errors.New("locked")

// tryLock fails closed where flock does not exist: serve on SQLite refuses
// to start rather than run unguarded.
func tryLock(*os.File) error {
	return errors.New("the data directory lock needs flock (Linux, macOS, the BSDs); use --database-url postgres://… here")
}
