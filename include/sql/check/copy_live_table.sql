-- `check --district`: one roster table of the district's store ({source}: its DuckDB file attached
-- read-only as `live`, or its PostgreSQL schema) copied into the in-memory preview store. {table} is one
-- of the code's roster tables.
INSERT INTO {table} SELECT * FROM {source}.{table};
