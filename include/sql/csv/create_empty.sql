-- An optional file that was not sent: the same table, with the format's columns and no rows.
CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} WHERE false;
