-- An optional file that was not sent: the same temp {kind} (VIEW or TABLE), with the format's columns
-- and no rows.
CREATE OR REPLACE TEMP {kind} {table} AS SELECT {select} WHERE false;
