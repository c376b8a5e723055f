-- A source CSV ({source}: csv/read_csv) as a temp {kind}: a VIEW for a file the format's SQL reads once
-- (the statement that reads it parses it, with no copy of its rows in between), a TABLE for one read
-- more than once (parsed once). {select} maps the file's columns (by position) onto the format's.
CREATE OR REPLACE TEMP {kind} {table} AS SELECT {select} FROM {source};
