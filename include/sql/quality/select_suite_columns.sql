-- The columns a suite names, for one run: every row up to {max_rows}, else a fixed-seed reservoir sample.
-- {columns}, {table} and {max_rows} come from the code (the suite files and a constant).
SELECT * FROM (SELECT {columns} FROM {table} WHERE run_id = $run_id)
USING SAMPLE reservoir({max_rows} ROWS) REPEATABLE (42);
