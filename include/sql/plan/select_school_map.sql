SELECT school_sid, selected, mapped FROM plan_school_map WHERE run_id = $run_id ORDER BY school_sid;
