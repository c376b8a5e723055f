-- The columns a suite names, for one run; {columns} and {table} come from the suite files the code loads.
SELECT {columns} FROM {table} WHERE run_id = $run_id;
