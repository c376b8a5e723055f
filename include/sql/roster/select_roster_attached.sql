-- Whether this connection's roster tables are an attached PostgreSQL schema (catalog $catalog).
SELECT count(*) > 0 FROM duckdb_databases() WHERE database_name = $catalog;
