-- `check --district`: one roster table of the district's store (attached read-only as `live`) copied into
-- the in-memory preview store. {table} is one of the code's roster tables.
INSERT INTO {table} SELECT * FROM live.{table};
