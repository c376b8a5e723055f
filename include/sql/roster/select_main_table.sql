-- Whether the DuckDB file itself (not an attached database) has the table $table.
SELECT 1 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $table;
