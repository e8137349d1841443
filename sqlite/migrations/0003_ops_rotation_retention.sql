ALTER TABLE environments ADD COLUMN previous_secret_hash BLOB;
ALTER TABLE environments ADD COLUMN previous_secret_retires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX environments_previous_secret ON environments (previous_secret_hash);
CREATE INDEX launches_created ON launches (created_at);
CREATE INDEX launches_pending ON launches (created_at) WHERE orderdata <> '';
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX report_counts_hour ON report_counts (hour);
