-- A source CSV read for the format check: the header's columns plus one catch-all column, short rows
-- padded with NULL, empty values kept as '' (NULL only from padding). A row with a field too many
-- fills __extra (DuckDB otherwise drops a trailing empty field); a row too short has a NULL last column.
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT * FROM read_csv($path, header = true, auto_detect = false, columns = $columns, delim = ',',
                       quote = '"', escape = '"', strict_mode = true, null_padding = true,
                       nullstr = chr(1), encoding = 'utf-8');
