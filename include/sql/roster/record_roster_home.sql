-- Where this store's roster lives ($home: duckdb, or postgres with ROSTERSYNC_ROSTER_URL), recorded when
-- the store is made: opened with the other setting, it is refused instead of planned against nothing.
CREATE TABLE IF NOT EXISTS store_settings (key VARCHAR, value VARCHAR);
DELETE FROM store_settings WHERE key = 'roster';
INSERT INTO store_settings VALUES ('roster', $home);
