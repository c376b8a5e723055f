-- Whether apply_plan left any of the plan's changes unmade: each of its apply tables is the plan's rows
-- it made, and the memberships it made are those it changed and those it created (any other count, a
-- roster with two rows for one id say, is read as some left).
SELECT (SELECT count(*) FROM plan_accounts WHERE run_id = $run_id) <> (SELECT count(*) FROM apply_accounts)
    OR (SELECT count(*) FROM plan_classes WHERE run_id = $run_id) <> (SELECT count(*) FROM apply_classes)
    OR (SELECT count(*) FROM plan_memberships WHERE run_id = $run_id) <> (SELECT count(*) FROM changed_membership_ids)
                                                                  + (SELECT count(*) FROM memberships WHERE created_run = $run_id);
