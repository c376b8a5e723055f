-- Every connection: DuckDB's memory bound (it spills past it; $limit, checked by the code), no
-- insertion order kept (faster, and no query of ours relies on it), and UTC as the session's time
-- zone, so every `now()::TIMESTAMP` the store writes is UTC whatever the host's zone.
SET memory_limit = $limit;
SET preserve_insertion_order = false;
SET TimeZone = 'UTC';
