package proxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// ErrNoRoute refuses a request for a path outside the configured routes.
var ErrNoRoute = hmacgate.NewError("no_route", http.StatusNotFound,
	"this path is not an order route of the proxy; check the order URL configured for the product")

// ErrUpstream is the answer when the upstream cannot be reached or fails to
// answer. The order was verified and claimed: the user launches it again.
var ErrUpstream = hmacgate.NewError("upstream_unavailable", http.StatusBadGateway,
	"the order was verified but the application behind the proxy did not answer; open the order again from the platform")

// wildcards returns the names of the {wildcards} of a ServeMux path pattern,
// without the "..." of a trailing one; {$} is not a wildcard.
func wildcards(pattern string) []string {
	var names []string
	for _, seg := range strings.Split(pattern, "/") {
		if len(seg) < 2 || seg[0] != '{' || seg[len(seg)-1] != '}' {
			continue
		}
		name := strings.TrimSuffix(seg[1:len(seg)-1], "...")
		if name != "$" && name != "" {
			names = append(names, name)
		}
	}
	return names
}

// checkRoute refuses what is not a plain path pattern: a method or a host
// in a route would fight with the POST-only rule and the upstream's host.
func checkRoute(pattern string) error {
	if !strings.HasPrefix(pattern, "/") {
		return fmt.Errorf("route %q: a route is a path pattern starting with /, such as /orders/{installationId}", pattern)
	}
	return nil
}

// routeMux builds the handler of the order routes: next behind the
// middleware of v, with each route's wildcards bound; other paths go to
// noRoute.
func routeMux(v *order.Verifier, routes []string, next, noRoute http.Handler) (mux *http.ServeMux, err error) {
	defer func() {
		// ServeMux panics on an invalid or conflicting pattern.
		if r := recover(); r != nil {
			mux, err = nil, fmt.Errorf("routes: %v", r)
		}
	}()
	mux = http.NewServeMux()
	if len(routes) == 0 {
		mux.Handle("/", v.Middleware(next))
		return mux, nil
	}
	catchAll := false
	for _, route := range routes {
		if err := checkRoute(route); err != nil {
			return nil, err
		}
		rv := v
		for _, name := range wildcards(route) {
			rv = rv.Bind(name, func(r *http.Request) string { return r.PathValue(name) })
		}
		mux.Handle(route, rv.Middleware(next))
		catchAll = catchAll || route == "/"
	}
	if !catchAll {
		mux.Handle("/", noRoute)
	}
	return mux, nil
}
