-- The store's PostgreSQL schema exists and carries its id.
UPDATE store_settings SET value = 'made' WHERE key = 'schema';
