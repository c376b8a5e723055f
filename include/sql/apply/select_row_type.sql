-- Column names and types of one roster table, in order: the JSON structure from_json needs.
SELECT column_name, data_type FROM information_schema.columns
WHERE table_name = $table AND table_schema = 'main'
ORDER BY ordinal_position;
