package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/internal/web"
	"github.com/hmacgate/hmacgate/platform"
)

// The routes @nangohq/node reads connections and integrations with. They
// take the environment's secret key (Authorization: Bearer sk_…), checked
// by the route table like every /v1 environment route.

// nangoConnection is Nango's connection, as listConnections shows it and,
// with credentials and timestamps, as getConnection does. hmacgate has no
// providers, metadata, end users, tags or errors: provider is the
// integration's ID and the rest are empty.
type nangoConnection struct {
	ID                int64          `json:"id"`
	ConnectionID      string         `json:"connection_id"`
	ProviderConfigKey string         `json:"provider_config_key"`
	Provider          string         `json:"provider"`
	Created           *time.Time     `json:"created,omitempty"`
	CreatedAt         *time.Time     `json:"created_at,omitempty"`
	UpdatedAt         *time.Time     `json:"updated_at,omitempty"`
	LastFetchedAt     *time.Time     `json:"last_fetched_at,omitempty"`
	Metadata          map[string]any `json:"metadata"`
	ConnectionConfig  map[string]any `json:"connection_config,omitempty"`
	Errors            []any          `json:"errors"`
	EndUser           any            `json:"end_user"`
	Tags              map[string]any `json:"tags"`
	Credentials       map[string]any `json:"credentials,omitempty"`
}

// nangoID is a connection's numeric ID, which Nango's SDK types declare:
// 53 bits (exact in a JavaScript number) of the SHA-256 of the connection's
// identity, stable across restarts and instances.
func nangoID(c *platform.Connection) int64 {
	h := sha256.Sum256([]byte(connContext(c.EnvID, c.IntegrationID, c.ConnectionID)))
	return int64(binary.BigEndian.Uint64(h[:8]) >> 11)
}

func nangoListItem(c *platform.Connection) nangoConnection {
	created := c.CreatedAt
	return nangoConnection{ID: nangoID(c), ConnectionID: c.ConnectionID, ProviderConfigKey: c.IntegrationID,
		Provider: c.IntegrationID, Created: &created, Metadata: map[string]any{}, Errors: []any{}, Tags: map[string]any{}}
}

// nangoCredentialsOf puts stored credentials in Nango's shape: a type, and
// apiKey for api_key. A connection without credentials has {}, as Nango's
// unauthenticated connections do.
func nangoCredentialsOf(creds map[string]string) map[string]any {
	switch {
	case creds["api_key"] != "":
		return map[string]any{"type": "API_KEY", "apiKey": creds["api_key"]}
	case creds["username"] != "":
		return map[string]any{"type": "BASIC", "username": creds["username"], "password": creds["password"]}
	}
	return map[string]any{}
}

// How a missing row reads in Nango's words, by what was looked up.
var (
	nangoConnectionRefusals  = map[*hmacgate.Error]*hmacgate.Error{platform.ErrNotFound: errNangoUnknownConnection}
	nangoIntegrationRefusals = map[*hmacgate.Error]*hmacgate.Error{platform.ErrNotFound: errNangoUnknownIntegration}
)

// nangoIntegrationParam reads provider_config_key, which getConnection and
// deleteConnection send, and checks that the integration exists, so that
// an unknown integration and an unknown connection are told apart.
func nangoIntegrationParam(r *http.Request, c *call) (string, error) {
	key := r.URL.Query().Get("provider_config_key")
	if key == "" {
		return "", errNangoMissingIntegration
	}
	if _, ok := c.env.integrations[key]; !ok {
		return "", errNangoUnknownIntegration.With("no integration " + web.Quote(key) + " in this environment")
	}
	return key, nil
}

// nangoGetConnection handles GET /nango/connections/{connectionId}: the
// connection with its credentials. The refresh flags the SDK sends
// (force_refresh, refresh_token, refresh_github_app_jwt_token) are ignored:
// API keys and basic credentials do not refresh.
func (s *Server) nangoGetConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	key, err := nangoIntegrationParam(r, c)
	if err != nil {
		return err
	}
	cn, err := s.store.Connection(r.Context(), c.env.env.ID, key, r.PathValue("connectionId"))
	if err != nil {
		return nangoRefusal(s.storeErr(err), nangoConnectionRefusals)
	}
	creds, err := s.openCredentials(cn)
	if err != nil {
		return err
	}
	out := nangoListItem(cn)
	out.Created, out.CreatedAt, out.UpdatedAt = nil, &cn.CreatedAt, &cn.UpdatedAt
	out.ConnectionConfig, out.Credentials = map[string]any{}, nangoCredentialsOf(creds)
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// nangoDeleteConnection handles DELETE /nango/connections/{connectionId}.
func (s *Server) nangoDeleteConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	key, err := nangoIntegrationParam(r, c)
	if err != nil {
		return err
	}
	if err := s.removeConnection(r.Context(), c, key, r.PathValue("connectionId")); err != nil {
		return nangoRefusal(err, nangoConnectionRefusals)
	}
	web.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// nangoListLimits bound a listing: limit is 1 to 500 (100 when not given),
// page counts from 0 and at most nangoMaxPage (each page walks the ones
// before it).
const (
	nangoDefaultLimit = 100
	nangoMaxLimit     = 500
	nangoMaxPage      = 1000
)

// nangoListQuery is a listConnections call's filters.
type nangoListQuery struct {
	connectionID, integrationID, search string
	limit, page                         int
}

// readNangoListQuery reads listConnections' filters and refuses those
// hmacgate cannot apply (end users, tags, several integrations): ignoring
// a filter would answer with connections the caller did not ask for.
func readNangoListQuery(q url.Values) (nangoListQuery, error) {
	f := nangoListQuery{connectionID: q.Get("connectionId"), integrationID: q.Get("integrationId"), search: q.Get("search"), limit: nangoDefaultLimit}
	for name := range q {
		if name == "endUserId" || name == "endUserOrganizationId" || strings.HasPrefix(name, "tags[") {
			return f, errNangoInvalidQuery.With(name + " is not supported: hmacgate connections have no end users or tags")
		}
	}
	if strings.Contains(f.integrationID, ",") {
		return f, errNangoInvalidQuery.With("integrationId takes one integration in hmacgate; make one call per integration")
	}
	var err error
	if f.limit, err = intParam(q, "limit", nangoDefaultLimit, 1, nangoMaxLimit); err != nil {
		return f, err
	}
	if f.page, err = intParam(q, "page", 0, 0, nangoMaxPage); err != nil {
		return f, err
	}
	return f, nil
}

// intParam reads an integer query parameter between lo and hi.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errNangoInvalidQuery.With(name + " must be an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
	}
	return n, nil
}

// nangoListConnections handles GET /nango/connections: the environment's
// connections by integration, then connection ID, one page at a time.
func (s *Server) nangoListConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readNangoListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	var list []*platform.Connection
	if f.connectionID != "" {
		list, err = s.connectionsNamed(r.Context(), c.env, f)
	} else {
		list, err = s.connectionsOnPage(r.Context(), c.env.env.ID, f)
	}
	if err != nil {
		return err
	}
	out := make([]nangoConnection, 0, len(list))
	for _, cn := range list {
		out = append(out, nangoListItem(cn))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"connections": out})
	return nil
}

// connectionsOnPage returns page f.page of f.limit connections, walking
// the store's cursor pages before it.
func (s *Server) connectionsOnPage(ctx context.Context, envID string, f nangoListQuery) ([]*platform.Connection, error) {
	filter := platform.ConnectionFilter{EnvID: envID, IntegrationID: f.integrationID, Search: f.search, Limit: f.limit}
	for page := 0; ; page++ {
		list, next, err := s.connectionPage(ctx, filter)
		if err != nil || page == f.page {
			return list, err
		}
		if next == "" {
			return nil, nil
		}
		filter.After = next
	}
}

// connectionsNamed returns the connections with exactly the ID f names, in
// one integration or each of the environment's (a handful: one lookup by
// primary key each), filtered by search and paged like a listing.
func (s *Server) connectionsNamed(ctx context.Context, st *envState, f nangoListQuery) ([]*platform.Connection, error) {
	ids := []string{f.integrationID}
	if f.integrationID == "" {
		ids = ids[:0]
		for id := range st.integrations {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	var found []*platform.Connection
	for _, id := range ids {
		cn, err := s.store.Connection(ctx, st.env.ID, id, f.connectionID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, s.storeErr(err)
		}
		if strings.Contains(cn.ConnectionID, f.search) {
			found = append(found, cn)
		}
	}
	start := min(f.page*f.limit, len(found))
	return found[start:min(start+f.limit, len(found))], nil
}

// nangoIntegration is Nango's integration. hmacgate has no providers: the
// provider is the integration's ID.
type nangoIntegration struct {
	UniqueKey   string    `json:"unique_key"`
	Provider    string    `json:"provider"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func nangoIntegrationOf(it *platform.Integration) nangoIntegration {
	return nangoIntegration{UniqueKey: it.ID, Provider: it.ID, DisplayName: it.Name, CreatedAt: it.CreatedAt, UpdatedAt: it.CreatedAt}
}

// nangoListIntegrations handles GET /nango/integrations.
func (s *Server) nangoListIntegrations(w http.ResponseWriter, r *http.Request, c *call) error {
	ins, err := s.store.Integrations(r.Context(), c.env.env.ID)
	if err != nil {
		return s.storeErr(err)
	}
	out := make([]nangoIntegration, 0, len(ins))
	for _, it := range ins {
		out = append(out, nangoIntegrationOf(it))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

// nangoGetIntegration handles GET /nango/integrations/{key}. Nango's
// include=… options are ignored: hmacgate integrations hold no OAuth
// settings or webhook URLs to include.
func (s *Server) nangoGetIntegration(w http.ResponseWriter, r *http.Request, c *call) error {
	it, err := s.store.Integration(r.Context(), c.env.env.ID, r.PathValue("key"))
	if err != nil {
		return nangoRefusal(s.storeErr(err), nangoIntegrationRefusals)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"data": nangoIntegrationOf(it)})
	return nil
}
