-- Where this store's roster lives ($home: duckdb, or postgres with ROSTERSYNC_ROSTER_URL) and, with
-- PostgreSQL, the id its schema carries too ($store_id) and whether that schema is made yet ($schema:
-- pending until it is), recorded when the store is made: opened with the other setting, or against
-- another schema, it is refused instead of planned against the wrong roster.
CREATE TABLE IF NOT EXISTS store_settings (key VARCHAR, value VARCHAR);
DELETE FROM store_settings WHERE key IN ('roster', 'store_id', 'schema');
INSERT INTO store_settings VALUES ('roster', $home);
INSERT INTO store_settings SELECT 'store_id', $store_id::VARCHAR WHERE $store_id::VARCHAR IS NOT NULL;
INSERT INTO store_settings SELECT 'schema', $schema::VARCHAR WHERE $schema::VARCHAR IS NOT NULL;
