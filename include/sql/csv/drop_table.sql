-- A source's temp {kind} (VIEW or TABLE: csv/read_file).
DROP {kind} IF EXISTS {table};
