package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
	"github.com/hmacgate/hmacgate/proxy"
	replayredis "github.com/hmacgate/hmacgate/replay/redis"
)

var proxySpec = &spec{
	name: "proxy",
	synopsis: `--upstream URL --secret-file FILE [--secret-file FILE2]
                    [--listen 127.0.0.1:8081] [--route '/orders/{installationId}' …]
                    [--max-age 5m] [--max-future 1m] [--max-body 64KiB] [--admin-listen ADDR]
                    [--redis-url redis://…]`,
	about: `Run a verifying reverse proxy in front of an application that receives
signed orders, so that the application need not verify them itself. Only
verified, fresh orders reach --upstream, with the body unchanged and the
headers X-Hmacgate-Verified: 1, X-Hmacgate-User-Id, X-Hmacgate-User-Email,
X-Hmacgate-User-Name, X-Hmacgate-Installation-Id, X-Hmacgate-Order-Id and
X-Hmacgate-Correlation-Id (values percent-encoded UTF-8; plain ASCII is
unchanged). Any X-Hmacgate-* header a client sends is removed first.
Everything else gets a JSON refusal, {"error":"<code>","message":"…"}, and
never reaches the upstream: other methods than POST, other content types,
bodies over --max-body, bad or replayed signatures, old or future
timestamps, {wildcards} of --route that differ from the signed field of
the same name, paths outside every --route.

Secrets: the first --secret-file holds the current secret; a second one
holds the retiring secret while a regenerated secret propagates, and may be
empty between rotations. SIGHUP re-reads the files without closing a
connection; SIGTERM or SIGINT stops gracefully, finishing requests in flight.

GET /healthz answers on both addresses; Prometheus /metrics is on
--admin-listen (hmacgate_order_outcomes_total by outcome and secret index).
Logs (log/slog, on stderr) never hold a secret, a signature or a user's
name or e-mail. Replay claims are kept in memory, or with --redis-url in
Redis (SET NX PX, keys hashed), so that several proxies behind one address
accept each order once; when Redis cannot answer, orders are refused with
503 until it is back.

Exit codes: 0 stopped by a signal; 1 it could not listen; 2 usage or input
error (bad flags, unreadable secret files, bad routes).`,
	example: `  $ hmacgate keygen > secret.txt
  # stands in for the secret from the partner portal
  $ : > secret.previous.txt
  # no retiring secret yet
  $ node -e 'require("http").createServer((req, res) => res.end("signed in as " + req.headers["x-hmacgate-user-email"] + "\n")).listen(3000, "127.0.0.1")' &
  # stands in for your application on port 3000
  $ hmacgate proxy --upstream http://127.0.0.1:3000 --secret-file secret.txt --secret-file secret.previous.txt --route '/orders/{installationId}' &
  $ curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null localhost:3000 && curl -s --retry 30 --retry-connrefused --retry-delay 1 localhost:8081/healthz
  ok
  $ printf '{"hmacTimestamp":%s,"installationId":"inst-1","orderId":"ord-1","currentUserEmail":"kari@example.no"}' "$(date +%s000)" > orderdata.json
  $ hmacgate sign order --secret-file secret.txt --orderdata-file orderdata.json --form > body.txt
  $ curl -s -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @body.txt localhost:8081/orders/inst-1
  signed in as kari@example.no
  # the same order again is refused:
  $ curl -s -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @body.txt localhost:8081/orders/inst-1
  {"error":"replayed","message":"this signed order was already used; every launch must be signed anew"}
  $ kill %1 %2`,
}

func runProxy(e *env, args []string) int {
	s := proxySpec
	usage := func(format string, args ...any) int { return e.usageError("hmacgate "+s.name, format, args...) }
	fs := newFlags(s)
	listen := fs.String("listen", proxy.DefaultListen, "serve on `ADDR`")
	admin := fs.String("admin-listen", "127.0.0.1:9081", "serve /metrics and /healthz on `ADDR`; '' turns it off")
	upstream := fs.String("upstream", "", "forward verified orders to the application at `URL` (http or https)")
	var secrets, routes stringList
	fs.Var(&secrets, "secret-file", "read a secret from `FILE` (its exact bytes, minus one trailing newline);\nrepeat for the retiring secret: the first is the current one, a later one may be empty")
	fs.Var(&routes, "route", "accept orders only on paths matching `PATTERN` (net/http.ServeMux syntax); each {wildcard}\nmust equal the signed field of that name; repeatable; none: every path, nothing bound")
	maxAge := fs.Duration("max-age", order.DefaultMaxAge, "refuse orders whose hmacTimestamp is older than `DURATION`")
	maxFuture := fs.Duration("max-future", order.DefaultMaxFuture, "refuse orders whose hmacTimestamp is further ahead than `DURATION`")
	maxBody := byteSize(order.DefaultMaxBody)
	fs.Var(&maxBody, "max-body", "refuse bodies larger than `SIZE` without reading them (bytes, or with KiB, MiB, KB, MB)")
	shutdown := fs.Duration("shutdown-timeout", proxy.DefaultShutdownTimeout, "on SIGTERM, wait at most `DURATION` for requests in flight")
	logLevel := fs.String("log-level", "info", "log at `LEVEL`: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "log as `FORMAT`: text or json")
	redisURL := fs.String("redis-url", e.getenv("HMACGATE_REDIS_URL"), "keep replay claims in the Redis at `URL` (redis://…), shared by several proxies")
	if code, done := e.parse(s, fs, args); done {
		return code
	}
	switch {
	case *upstream == "":
		return usage("--upstream is required")
	case len(secrets) == 0:
		return usage("--secret-file is required")
	case *maxAge <= 0:
		return usage("--max-age must be positive")
	case *maxFuture <= 0:
		return usage("--max-future must be positive")
	case *shutdown <= 0:
		return usage("--shutdown-timeout must be positive")
	}
	up, err := url.Parse(*upstream)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return usage("--upstream %q: want an absolute http or https URL, such as http://127.0.0.1:3000", *upstream)
	}
	logger, err := newLogger(e, *logLevel, *logFormat)
	if err != nil {
		return usage("%v", err)
	}
	var guard hmacgate.ReplayGuard
	if *redisURL != "" {
		g, client, err := replayredis.Open(*redisURL, "")
		if err != nil {
			return usage("--redis-url: %v", err)
		}
		defer client.Close()
		guard = g
	}
	p, err := proxy.New(proxy.Config{
		Listen: *listen, AdminListen: *admin, Upstream: up,
		SecretFiles: secrets, Routes: routes,
		MaxAge: *maxAge, MaxFuture: *maxFuture, MaxBody: int64(maxBody),
		ShutdownTimeout: *shutdown, Logger: logger, Replay: guard,
	})
	if err != nil {
		return e.inputError(err)
	}
	ctx, stop := signal.NotifyContext(e.ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return e.serveProxy(ctx, p, hup)
}

// serveProxy runs p until ctx is done, reloading its secrets on each value
// from hup.
func (e *env) serveProxy(ctx context.Context, p *proxy.Proxy, hup <-chan os.Signal) int {
	if err := p.Run(ctx); err != nil {
		fmt.Fprintf(e.stderr, "error: proxy: %v\n", err)
		return exitRefused
	}
	if err := p.HandleSignals(ctx, hup); err != nil {
		fmt.Fprintf(e.stderr, "error: proxy: shutdown: %v\n", err)
		return exitRefused
	}
	return exitOK
}

// byteSize is a flag of a size in bytes: "65536", "64KiB", "1MiB", "64KB".
type byteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range sizeUnits[:3] {
		if n >= u.mult && n%u.mult == 0 && (n/u.mult < 1024 || u.suffix == "GiB") {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a positive size such as 65536, 64KiB or 1MiB")
	}
	*b = byteSize(n * mult)
	return nil
}
