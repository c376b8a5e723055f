-- Errors and alerts per school of a run (school NULL: a record no school could be found for).
SELECT school_sid, code, count(*) FROM record_issues WHERE run_id = $run_id GROUP BY ALL ORDER BY ALL;
