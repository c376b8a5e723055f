-- How select_csv_lines builds a report's CSV lines, on DuckDB's threads, as Python's csv.writer with
-- reports.safe_cell writes them: a cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage
-- return first) gets a leading quote; a cell with a comma, a double quote or a line break is quoted,
-- its quotes doubled; NULL is empty. (Lines end in CRLF, as csv.writer's.)
CREATE OR REPLACE TEMP MACRO csv_safe(text) AS
    CASE WHEN left(text, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || text ELSE text END;

CREATE OR REPLACE TEMP MACRO csv_cell(value) AS
    CASE WHEN value IS NULL THEN ''
         WHEN regexp_matches(CAST(value AS VARCHAR), '[,"' || chr(10) || chr(13) || ']')
             THEN '"' || replace(csv_safe(CAST(value AS VARCHAR)), '"', '""') || '"'
         ELSE csv_safe(CAST(value AS VARCHAR)) END;
