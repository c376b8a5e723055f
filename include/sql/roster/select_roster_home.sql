SELECT key, value FROM store_settings WHERE key IN ('roster', 'store_id');
