SELECT value FROM store_settings WHERE key = $key;
