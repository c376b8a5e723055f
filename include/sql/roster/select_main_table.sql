-- Whether the DuckDB file itself (not an attached database) has the table $table.
SELECT 1 FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = $table;
