-- A report query's rows ({query}) as CSV lines, with the macros of create_csv_macros, in the order
-- {order} (each file's rows together). {keys} are the query's columns that say which files a row goes
-- to, named {group}, repeated before the line.
SELECT {group}, concat_ws(',', *COLUMNS(* EXCLUDE ({group}))) || chr(13) || chr(10) AS line
FROM (SELECT {keys}, csv_cell(COLUMNS(report.*)) FROM ({query}) AS report ORDER BY {order});
