-- Counts of the row-level problems of one file, read by {source} (csv/read_csv: its columns by position)
-- in this one statement, with no copy of its rows; the expressions come from the format's file spec
-- (identifiers from the code, values as parameters).
-- The last column counts what is only an alert: OneRoster 1.0's status `inactive`.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE {field_count}) AS wrong_field_counts,
       count(*) FILTER (WHERE {blank_id}) AS blank_ids,
       count(*) FILTER (WHERE {bad_enum}) AS bad_enums,
       count(*) FILTER (WHERE {too_long}) AS too_long,
       {duplicates} AS duplicates,
       count(*) FILTER (WHERE {inactive}) AS inactive_status,
       -- Every column is read, {every_column}: DuckDB checks a value's UTF-8 only in the columns a query
       -- reads, and a column no rule names (ignored, or unknown to the format) must be checked too.
       {every_column} AS values_read
FROM {source};
