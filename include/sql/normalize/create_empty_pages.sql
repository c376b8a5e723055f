-- An API object with no saved pages: its table, with no records.
CREATE OR REPLACE TEMP TABLE {table} AS SELECT NULL::JSON AS rec, NULL::VARCHAR AS uri WHERE false;
