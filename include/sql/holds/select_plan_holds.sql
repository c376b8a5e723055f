SELECT school_id, reason, detail FROM plan_holds WHERE run_id = $run_id ORDER BY school_id, reason;
