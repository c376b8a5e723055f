-- A source CSV read strictly: the header's own columns, every value as text, no guessing.
-- Shared by the format check's fast path and normalize. {table} is chosen by the code.
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT * FROM read_csv($path, header = true, auto_detect = false, columns = $columns, delim = ',',
                       quote = '"', escape = '"', strict_mode = true, null_padding = false, encoding = 'utf-8');
