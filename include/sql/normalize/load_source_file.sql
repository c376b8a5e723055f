-- One source CSV into a temp table, every value as text; {table} is the file's stem, set by the code.
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT * FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, null_padding = false, auto_detect = true, encoding = 'utf-8');
