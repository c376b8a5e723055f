-- A source CSV ({source}: csv/read_csv) into a temp table; {select} maps the file's columns (by
-- position) onto the format's.
CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {source};
