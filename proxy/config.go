package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// Defaults of a [Config].
const (
	// DefaultListen is the proxy's address when Config.Listen is empty.
	DefaultListen = "127.0.0.1:8081"
	// DefaultShutdownTimeout bounds how long Close waits for requests in flight.
	DefaultShutdownTimeout = 30 * time.Second
	// secretFileLimit bounds a secret file; a secret is a line, not a document.
	secretFileLimit = 64 << 10
)

// Config is the proxy's configuration; the command's flags fill it in.
type Config struct {
	// Listen is the address to serve on; "" means [DefaultListen]. Port 0
	// picks a free port (see [Proxy.Addr]).
	Listen string
	// AdminListen is the address of /metrics and /healthz; "" disables it.
	AdminListen string
	// Upstream is the application's base URL (http or https); request
	// paths are appended to its path.
	Upstream *url.URL
	// SecretFiles name the files holding the product's secrets, the current
	// one first, then the retiring one while a regenerated secret
	// propagates. A file holds the secret's exact bytes; one trailing
	// newline ("\n" or "\r\n") is removed. The first file must hold a
	// secret; a later one may be empty, a placeholder for the next
	// rotation (see [LoadKeyring]). [Proxy.Reload] reads them again.
	SecretFiles []string
	// Routes are the path patterns of net/http.ServeMux, such as
	// "/orders/{installationId}", on which orders are accepted; a request
	// for any other path is refused with [ErrNoRoute]. Each {wildcard} is
	// bound to the signed orderdata field of the same name: the order is
	// refused with binding_mismatch unless they are equal. No routes means
	// every path, with nothing bound.
	Routes []string
	// MaxAge, MaxFuture and MaxBody are those of [order.Verifier]; zero
	// means the defaults (5m, 1m, 64 KiB).
	MaxAge, MaxFuture time.Duration
	MaxBody           int64
	// ShutdownTimeout bounds [Proxy.Close]; zero means [DefaultShutdownTimeout].
	ShutdownTimeout time.Duration
	// Replay is the replay guard; nil means an in-memory one. Several proxy
	// instances behind one address need a shared guard.
	Replay hmacgate.ReplayGuard
	// Logger receives the proxy's logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock of the timestamp check; nil means time.Now.
	Now func() time.Time
}

// validate checks what New cannot work without and fills in defaults.
func (c *Config) validate() error {
	switch {
	case c.Upstream == nil || c.Upstream.Host == "":
		return errors.New("the upstream needs an absolute URL, such as http://127.0.0.1:3000")
	case c.Upstream.Scheme != "http" && c.Upstream.Scheme != "https":
		return fmt.Errorf("the upstream scheme must be http or https, not %q", c.Upstream.Scheme)
	case len(c.SecretFiles) == 0:
		return errors.New("at least one secret file is needed")
	case c.MaxAge < 0 || c.MaxFuture < 0 || c.MaxBody < 0 || c.ShutdownTimeout < 0:
		return errors.New("max age, max future, max body and shutdown timeout must not be negative")
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.MaxBody == 0 {
		c.MaxBody = order.DefaultMaxBody
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// LoadKeyring reads the secret files into a keyring, in order: the current
// secret first. The first file must hold a secret; a later file that is
// empty is skipped, so that a deployment can name a file for the retiring
// secret that is empty between rotations, and rotate by rewriting files and
// reloading. A missing file is an error, never skipped. It returns the
// files of secrets shorter than [hmacgate.MinKeyLen] bytes, which work but
// should be replaced. Errors name the file, never its content.
func LoadKeyring(files []string) (ring *hmacgate.Keyring, weak []string, err error) {
	if len(files) == 0 {
		return nil, nil, errors.New("no secret file")
	}
	keys := make([]hmacgate.Key, 0, len(files))
	for i, name := range files {
		s, err := readSecretFile(name)
		if err != nil {
			return nil, nil, err
		}
		if s == "" {
			if i == 0 {
				return nil, nil, fmt.Errorf("secret file %s is empty; the first file holds the current secret", name)
			}
			continue
		}
		k, err := hmacgate.ParseKey(s)
		if err != nil {
			return nil, nil, fmt.Errorf("secret file %s: %s", name, hmacgate.ErrorMessage(err))
		}
		if k.Weak() {
			weak = append(weak, name)
		}
		keys = append(keys, k)
	}
	ring, err = hmacgate.NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		return nil, nil, errors.New(hmacgate.ErrorMessage(err))
	}
	return ring, weak, nil
}

func readSecretFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, secretFileLimit+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("secret file %s: %w", name, err)
	case len(b) > secretFileLimit:
		return "", fmt.Errorf("secret file %s is larger than %d bytes", name, secretFileLimit)
	}
	if t, ok := bytes.CutSuffix(b, []byte("\r\n")); ok {
		b = t
	} else {
		b, _ = bytes.CutSuffix(b, []byte("\n"))
	}
	return string(b), nil
}
