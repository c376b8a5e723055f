SELECT DISTINCT school_id FROM plan_holds
WHERE run_id = $run_id AND school_id NOT IN (SELECT school_id FROM released_schools)
ORDER BY school_id;
