package server

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/platform"
	"github.com/hmacgate/hmacgate/seal"
)

// envState is what the hot paths need of an environment, loaded once and
// kept in memory until a change invalidates it: the connect gate's refusals
// never touch the database.
type envState struct {
	env          *platform.Environment
	keyring      *hmacgate.Keyring // nil when the environment has no key
	keys         []platform.StoredKey
	integrations map[string]platform.AuthMode
}

// cache holds envStates by ID, public key and secret-key hash.
type cache struct {
	store  platform.Store
	sealer *seal.Sealer
	now    func() time.Time

	mu       sync.RWMutex
	byID     map[string]*envState
	byPublic map[string]string
	bySecret map[[32]byte]string
	gen      uint64 // grows on every invalidation; a load started before one is not kept

	// publish, when set, tells the other instances about a local change.
	publish func(envID string)
}

func newCache(store platform.Store, sealer *seal.Sealer, now func() time.Time) *cache {
	return &cache{store: store, sealer: sealer, now: now,
		byID: map[string]*envState{}, byPublic: map[string]string{}, bySecret: map[[32]byte]string{}}
}

// keyContext binds a sealed HMAC key to its row.
func keyContext(envID, keyID string) string { return "hmac_key:" + envID + ":" + keyID }

func (c *cache) lookup(ctx context.Context, id string, find func() (*platform.Environment, error)) (*envState, error) {
	c.mu.RLock()
	st, ok := c.byID[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok && id != "" {
		return st, nil
	}
	env, err := find()
	if err != nil {
		return nil, err
	}
	st, err = c.load(ctx, env)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.byID[env.ID] = st
		c.byPublic[env.PublicKey] = env.ID
		c.bySecret[[32]byte(env.SecretKeyHash)] = env.ID
	}
	c.mu.Unlock()
	return st, nil
}

// get returns the state of the environment with the given ID.
func (c *cache) get(ctx context.Context, id string) (*envState, error) {
	return c.lookup(ctx, id, func() (*platform.Environment, error) { return c.store.Environment(ctx, id) })
}

// byPublicKey returns the state of the environment with the public key.
func (c *cache) byPublicKey(ctx context.Context, pk string) (*envState, error) {
	c.mu.RLock()
	id := c.byPublic[pk]
	c.mu.RUnlock()
	return c.lookup(ctx, id, func() (*platform.Environment, error) { return c.store.EnvironmentByPublicKey(ctx, pk) })
}

// bySecretKey returns the state of the environment whose secret key is sk.
func (c *cache) bySecretKey(ctx context.Context, sk string) (*envState, error) {
	h := sha256.Sum256([]byte(sk))
	c.mu.RLock()
	id := c.bySecret[h]
	c.mu.RUnlock()
	return c.lookup(ctx, id, func() (*platform.Environment, error) { return c.store.EnvironmentBySecretHash(ctx, h[:]) })
}

// load reads an environment's keys and integrations and opens its keys.
func (c *cache) load(ctx context.Context, env *platform.Environment) (*envState, error) {
	st := &envState{env: env, integrations: map[string]platform.AuthMode{}}
	keys, err := c.store.HMACKeys(ctx, env.ID, c.now())
	if err != nil {
		return nil, err
	}
	var entries []hmacgate.KeyringEntry
	for _, k := range keys {
		plain, err := c.sealer.Open(k.Sealed, keyContext(env.ID, k.ID))
		if err != nil {
			return nil, err // fail closed: a key that does not open is not skipped
		}
		key, err := hmacgate.ParseKey(string(plain))
		if err != nil {
			return nil, err
		}
		entries = append(entries, hmacgate.KeyringEntry{Key: key, ValidUntil: k.RetiresAt})
	}
	if len(entries) > 0 {
		if st.keyring, err = hmacgate.NewKeyringEntries(entries...); err != nil {
			return nil, err
		}
	}
	st.keys = keys
	ins, err := c.store.Integrations(ctx, env.ID)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		st.integrations[in.ID] = in.AuthMode
	}
	return st, nil
}

// invalidate drops an environment after a local change and tells the other
// instances to drop it too.
func (c *cache) invalidate(id string) {
	c.drop(id)
	if c.publish != nil {
		c.publish(id)
	}
}

// versions returns the cached environments' versions.
func (c *cache) versions() map[string]int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]int64, len(c.byID))
	for id, st := range c.byID {
		out[id] = st.env.Version
	}
	return out
}

// drop forgets an environment (all of them for id "") so that the next
// request loads it anew.
func (c *cache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if id == "" {
		c.byID, c.byPublic, c.bySecret = map[string]*envState{}, map[string]string{}, map[[32]byte]string{}
		return
	}
	delete(c.byID, id)
	for k, v := range c.byPublic {
		if v == id {
			delete(c.byPublic, k)
		}
	}
	for k, v := range c.bySecret {
		if v == id {
			delete(c.bySecret, k)
		}
	}
}
