CREATE TABLE products (
	id           TEXT PRIMARY KEY,
	env_id       TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	order_url    TEXT NOT NULL,
	hmac_enabled BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX products_env ON products (env_id);
CREATE TABLE product_secrets (
	id          TEXT PRIMARY KEY,
	product_id  TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	env_id      TEXT NOT NULL,
	sealed      BYTEA NOT NULL,
	created_at  BIGINT NOT NULL,
	active_from BIGINT NOT NULL
);
CREATE INDEX product_secrets_product ON product_secrets (product_id);
CREATE TABLE launches (
	correlation_id TEXT PRIMARY KEY,
	env_id         TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
	product_id     TEXT NOT NULL,
	kind           TEXT NOT NULL CHECK (kind IN ('launch', 'test')),
	created_at     BIGINT NOT NULL,
	orderdata      TEXT NOT NULL,
	signature      TEXT NOT NULL,
	result         TEXT NOT NULL,
	latency_ms     BIGINT NOT NULL DEFAULT 0,
	used_at        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX launches_env ON launches (env_id, created_at);
