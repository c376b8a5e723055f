-- Column names and types of one roster table ({table}, one of the code's), in order: the JSON structure
-- from_json needs. DESCRIBE resolves the name as every query does (the DuckDB file, or PostgreSQL).
SELECT column_name, column_type FROM (DESCRIBE {table});
