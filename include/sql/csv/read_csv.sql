-- A source CSV read the one way both the format check and normalize read it: the columns named by
-- position ({columns}: c0, c1, ... and __extra, chosen by the code, never the header's text), every value
-- as text, no guessing. Short rows are padded with NULL and empty values kept as '' (NULL only from
-- padding); a row with a field too many fills __extra (DuckDB otherwise drops a trailing empty field).
-- A table function call, filled into the statements that read a file as {source}. {path} and {columns}
-- are literals the code makes (store.literal): a view over the file cannot take bind parameters.
read_csv({path}, header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '"', escape = '"',
         strict_mode = true, null_padding = true, nullstr = chr(1), encoding = 'utf-8')
