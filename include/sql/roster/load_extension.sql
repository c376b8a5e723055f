-- DuckDB's postgres extension, from the file the duckdb-ext-postgres wheel installed ({path}): never a
-- download.
LOAD {path}
