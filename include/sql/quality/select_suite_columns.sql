-- The columns a suite names, for one run: every row up to the row cap, else a fixed-seed reservoir
-- sample. The table, the columns, the cap and the frame (the table's select_frame_ file: the derived
-- columns a suite checks, computed over `sample`) are filled in by the code from the suite files, a
-- constant and include/sql.
WITH sample AS (
    SELECT * FROM (SELECT * FROM {table} WHERE run_id = $run_id)
    USING SAMPLE reservoir({max_rows} ROWS) REPEATABLE (42)
)
SELECT {columns} FROM ({frame});
