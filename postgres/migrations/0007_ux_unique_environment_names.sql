-- Environment names are unique, so that a person can tell environments apart by name. Names that
-- repeat from before keep their oldest holder; the others get their ID added.
UPDATE environments SET name = name || ' (' || id || ')', version = version + 1
WHERE EXISTS (
	SELECT 1 FROM environments AS older
	WHERE older.name = environments.name
	AND (older.created_at < environments.created_at OR (older.created_at = environments.created_at AND older.id < environments.id))
);
CREATE UNIQUE INDEX environments_name ON environments (name);
