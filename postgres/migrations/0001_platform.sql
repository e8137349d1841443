CREATE TABLE environments (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	public_key  TEXT NOT NULL UNIQUE,
	secret_hash BYTEA NOT NULL UNIQUE,
	hmac_mode   TEXT NOT NULL DEFAULT 'off' CHECK (hmac_mode IN ('off', 'report', 'enforce')),
	created_at  BIGINT NOT NULL,
	version     BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE hmac_keys (
	id         TEXT PRIMARY KEY,
	env_id     TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
	sealed     BYTEA NOT NULL,
	retires_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX hmac_keys_env ON hmac_keys (env_id);
CREATE TABLE integrations (
	env_id     TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	name       TEXT NOT NULL,
	auth_mode  TEXT NOT NULL CHECK (auth_mode IN ('none', 'api_key', 'basic')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (env_id, id)
);
CREATE TABLE connections (
	env_id             TEXT NOT NULL,
	integration_id     TEXT NOT NULL,
	connection_id      TEXT NOT NULL,
	sealed_credentials BYTEA,
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL,
	revision           BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (env_id, integration_id, connection_id),
	FOREIGN KEY (env_id, integration_id) REFERENCES integrations (env_id, id) ON DELETE CASCADE
);
CREATE TABLE report_counts (
	env_id  TEXT NOT NULL,
	hour    BIGINT NOT NULL,
	valid   BIGINT NOT NULL DEFAULT 0,
	missing BIGINT NOT NULL DEFAULT 0,
	invalid BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (env_id, hour)
);
CREATE TABLE audit_log (
	id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     BIGINT NOT NULL,
	env_id TEXT NOT NULL DEFAULT '',
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
