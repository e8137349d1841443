package sqlstore

// envColumns are the columns scanEnv reads.
const envColumns = `id, name, public_key, secret_hash, hmac_mode, created_at, version, previous_secret_hash, previous_secret_retires_at`

// queries holds every statement, written with ? placeholders. Times are Unix
// milliseconds; a retires_at of 0 means "current key".
var queries = map[string]string{
	"auditInsert": `INSERT INTO audit_log (at, env_id, actor, action, detail) VALUES (?, ?, ?, ?, ?)`,
	"auditList":   `SELECT id, at, env_id, actor, action, detail FROM audit_log WHERE (? = '' OR env_id = ?) ORDER BY id DESC LIMIT ?`,

	"envInsert": `INSERT INTO environments (id, name, public_key, secret_hash, hmac_mode, created_at, version) VALUES (?, ?, ?, ?, ?, ?, 1)`,
	"envByID":   `SELECT ` + envColumns + ` FROM environments WHERE id = ?`,
	"envByPK":   `SELECT ` + envColumns + ` FROM environments WHERE public_key = ?`,
	"envByHash": `SELECT ` + envColumns + ` FROM environments WHERE secret_hash = ? OR previous_secret_hash = ?`,
	"envList":   `SELECT ` + envColumns + ` FROM environments ORDER BY created_at, id`,
	"envDelete": `DELETE FROM environments WHERE id = ?`,
	"envMode":   `UPDATE environments SET hmac_mode = ?, version = version + 1 WHERE id = ?`,
	"envBump":   `UPDATE environments SET version = version + 1 WHERE id = ?`,
	// The current secret key becomes the previous one, valid until its
	// retirement; a previous one still retiring is dropped.
	"envRotate": `UPDATE environments SET previous_secret_hash = secret_hash, previous_secret_retires_at = ?, secret_hash = ?,
		version = version + 1 WHERE id = ?`,

	"keyRetire": `UPDATE hmac_keys SET retires_at = ? WHERE env_id = ? AND (retires_at = 0 OR retires_at > ?)`,
	"keyPurge":  `DELETE FROM hmac_keys WHERE env_id = ? AND retires_at <> 0 AND retires_at <= ?`,
	"keyInsert": `INSERT INTO hmac_keys (id, env_id, sealed, retires_at, created_at) VALUES (?, ?, ?, 0, ?)`,
	"keyList":   `SELECT id, env_id, sealed, retires_at, created_at FROM hmac_keys WHERE env_id = ? AND (retires_at = 0 OR retires_at > ?) ORDER BY created_at DESC, id DESC`,

	"intInsert": `INSERT INTO integrations (env_id, id, name, auth_mode, created_at) VALUES (?, ?, ?, ?, ?)`,
	"intGet":    `SELECT env_id, id, name, auth_mode, created_at FROM integrations WHERE env_id = ? AND id = ?`,
	"intList":   `SELECT env_id, id, name, auth_mode, created_at FROM integrations WHERE env_id = ? ORDER BY id`,

	// revision is 1 for a new row and grows on every re-authorization, so
	// the caller learns atomically whether it created the row.
	"connUpsert": `INSERT INTO connections (env_id, integration_id, connection_id, sealed_credentials, created_at, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, 1)
		ON CONFLICT (env_id, integration_id, connection_id) DO UPDATE
		SET sealed_credentials = excluded.sealed_credentials, updated_at = excluded.updated_at, revision = connections.revision + 1
		RETURNING revision, created_at`,
	"connGet": `SELECT env_id, integration_id, connection_id, sealed_credentials, created_at, updated_at FROM connections
		WHERE env_id = ? AND integration_id = ? AND connection_id = ?`,
	"connList": `SELECT env_id, integration_id, connection_id, sealed_credentials, created_at, updated_at FROM connections
		WHERE env_id = ? AND (? = '' OR integration_id = ?) AND (? = '' OR connection_id LIKE ? ESCAPE '\')
		AND (? = '' OR integration_id || '/' || connection_id > ?)
		ORDER BY integration_id || '/' || connection_id LIMIT ?`,
	"connDelete": `DELETE FROM connections WHERE env_id = ? AND integration_id = ? AND connection_id = ?`,

	"reportAdd": `INSERT INTO report_counts (env_id, hour, valid, missing, invalid) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (env_id, hour) DO UPDATE SET valid = report_counts.valid + excluded.valid,
		missing = report_counts.missing + excluded.missing, invalid = report_counts.invalid + excluded.invalid`,
	"reportDelete": `DELETE FROM report_counts WHERE env_id = ?`,
	"reportList":   `SELECT env_id, hour, valid, missing, invalid FROM report_counts WHERE env_id = ? AND hour >= ? ORDER BY hour`,

	"settingGet":    `SELECT value FROM settings WHERE name = ?`,
	"settingDelete": `DELETE FROM settings WHERE name = ?`,
	"settingSet":    `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
	"settingAdd":    `INSERT INTO settings (name, value) VALUES (?, ?)`,

	// The partner portal.
	"productInsert": `INSERT INTO products (id, env_id, name, order_url, hmac_enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"productGet":    `SELECT id, env_id, name, order_url, hmac_enabled, created_at, updated_at FROM products WHERE env_id = ? AND id = ?`,
	"productList":   `SELECT id, env_id, name, order_url, hmac_enabled, created_at, updated_at FROM products WHERE env_id = ? ORDER BY created_at, id`,
	"productUpdate": `UPDATE products SET name = ?, order_url = ?, hmac_enabled = ?, updated_at = ? WHERE env_id = ? AND id = ?`,

	"productExists": `SELECT COUNT(*) FROM products WHERE env_id = ? AND id = ?`,
	"secretInsert":  `INSERT INTO product_secrets (id, product_id, env_id, sealed, created_at, active_from) VALUES (?, ?, ?, ?, ?, ?)`,
	"secretList": `SELECT id, product_id, env_id, sealed, created_at, active_from FROM product_secrets
		WHERE env_id = ? AND product_id = ? ORDER BY active_from DESC, created_at DESC, id DESC`,

	"launchInsert": `INSERT INTO launches (correlation_id, env_id, product_id, kind, created_at, orderdata, signature, result, latency_ms, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
	"launchGet": `SELECT correlation_id, env_id, product_id, kind, created_at, orderdata, signature, result, latency_ms, used_at
		FROM launches WHERE correlation_id = ?`,
	// Orderdata carries the user's name and e-mail: it is kept only until the
	// link is used or expires (launchForget, from the retention sweep).
	"launchUse": `UPDATE launches SET used_at = ?, result = 'opened', orderdata = '' WHERE correlation_id = ? AND used_at = 0`,
	"launchForget": `UPDATE launches SET orderdata = '',
		result = CASE WHEN kind = 'launch' AND used_at = 0 THEN 'expired' ELSE result END
		WHERE orderdata <> '' AND (used_at <> 0 OR kind <> 'launch' OR created_at < ?)`,
	"launchList": `SELECT correlation_id, env_id, product_id, kind, created_at, orderdata, signature, result, latency_ms, used_at
		FROM launches WHERE env_id = ? AND (? = '' OR product_id = ?) ORDER BY created_at DESC, correlation_id LIMIT ?`,
}
