-- The columns of a report query ({query}): the CSV's header.
SELECT * FROM ({query}) AS report LIMIT 0;
