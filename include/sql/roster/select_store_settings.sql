-- What the store records of its roster: where it lives, its store id, whether its schema is made yet.
SELECT key, value FROM store_settings WHERE key IN ('roster', 'store_id', 'schema');
