-- A report query's rows ({query}) as CSV lines, with the macros of create_csv_macros. {keys} copies the
-- query's columns that say which files a row goes to (named {group}, repeated before the line) and
-- those it is sorted by ({order}, each file's rows together), by their values: a cell's CSV text may
-- sort elsewhere, and two values may share one (a NULL and '' are both empty). {hidden} names them all.
SELECT {group}, concat_ws(',', *COLUMNS(* EXCLUDE ({hidden}))) || chr(13) || chr(10) AS line
FROM (SELECT {keys}, csv_cell(COLUMNS(report.*)) FROM ({query}) AS report)
ORDER BY {order};
