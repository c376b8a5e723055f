-- Every connection (DuckDB's memory bound is given at connect): no insertion order kept (faster, and no
-- query of ours relies on it), and UTC as the session's time zone, so every `now()::TIMESTAMP` the store
-- writes is UTC whatever the host's zone.
SET preserve_insertion_order = false;
SET TimeZone = 'UTC';
