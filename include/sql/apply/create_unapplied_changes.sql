-- The plan's changes this apply did not make (a school kept on hold, a move out of one, an additive
-- district's removals, a membership of an account or class not made): the next run's incremental plan
-- plans them again (plan/prepare_increment). Recorded by apply/record_roster_mark. Run after apply_plan,
-- only when select_any_unapplied finds any (an anti-join of the whole plan is seconds at 1M).
CREATE OR REPLACE TEMP TABLE unapplied_changes AS
SELECT 'account' AS entity, person_sid AS key, NULL::VARCHAR AS other_key FROM plan_accounts
WHERE run_id = $run_id AND person_sid NOT IN (SELECT person_sid FROM apply_accounts)
UNION ALL
SELECT 'class', class_sid, NULL FROM plan_classes
WHERE run_id = $run_id AND class_sid NOT IN (SELECT class_sid FROM apply_classes)
UNION ALL
SELECT 'membership', class_sid, person_sid FROM plan_memberships p
WHERE run_id = $run_id
  AND NOT EXISTS (SELECT 1 FROM changed_membership_ids a WHERE a.class_sid = p.class_sid AND a.person_sid = p.person_sid)
  AND NOT EXISTS (SELECT 1 FROM memberships m JOIN classes c USING (class_id) JOIN accounts a USING (account_id)
                  WHERE m.created_run = $run_id AND c.class_sid = p.class_sid AND a.person_sid = p.person_sid);
