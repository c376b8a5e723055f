-- The diff of a run's snapshot against the roster, as plan rows (create, reactivate, update, remove),
-- over the temp tables of prepare_plan (memberships: insert_plan_memberships). Params: $run_id, $roster_version,
-- $suppress_removals (a stale upload never removes anything), $upload_age_days, $plan_id (new for each plan),
-- $settings, $base_run (the incremental plan's base run, '' for a full plan). {people_in_scope}: the
-- macro that says whose accounts are diffed (every_person, or prepare_increment's in_people_increment;
-- wanted_people holds only those).

INSERT INTO plan_school_map SELECT $run_id, school_sid, school_id, selected, mapped FROM run_school_map;

INSERT INTO plan_schools
SELECT $run_id, CASE WHEN r.school_id IS NULL THEN 'create' ELSE 'update' END, m.school_id, s.name
FROM snap_schools s
JOIN synced_schools m USING (school_sid)
LEFT JOIN schools r ON r.school_id = m.school_id
WHERE s.run_id = $run_id AND (r.school_id IS NULL OR r.name IS DISTINCT FROM s.name);

-- Email and phone are carried from the account once it exists: a sync never updates them.
INSERT INTO plan_accounts
SELECT $run_id,
       CASE WHEN a.account_id IS NULL THEN 'create' WHEN a.status = 'deactivated' THEN 'reactivate' ELSE 'update' END,
       w.person_sid, w.role, w.school_id, w.given_name, w.family_name,
       CASE WHEN a.account_id IS NULL THEN w.email ELSE a.email END,
       CASE WHEN a.account_id IS NULL THEN w.phone ELSE a.phone END,
       w.grade
FROM wanted_people w
LEFT JOIN accounts a USING (person_sid)
WHERE NOT w.has_error
  AND (a.school_id IS NULL OR a.school_id NOT IN (SELECT school_id FROM frozen_schools))
  AND (a.account_id IS NULL OR a.status = 'deactivated'
       OR w.role IS DISTINCT FROM a.role OR w.school_id IS DISTINCT FROM a.school_id
       OR w.given_name IS DISTINCT FROM a.given_name OR w.family_name IS DISTINCT FROM a.family_name
       OR w.grade IS DISTINCT FROM a.grade);

INSERT INTO plan_accounts
SELECT $run_id, 'remove', a.person_sid, a.role, a.school_id, a.given_name, a.family_name, a.email, a.phone, a.grade
FROM accounts a
WHERE NOT $suppress_removals AND a.status <> 'deactivated' AND {people_in_scope}(a.person_sid)
  AND a.school_id NOT IN (SELECT school_id FROM frozen_schools)
  AND a.person_sid NOT IN (SELECT person_sid FROM error_people)
  AND NOT EXISTS (SELECT 1 FROM wanted_people w WHERE w.person_sid = a.person_sid);

-- A new class is live at once when its teacher already uses the app; otherwise pending.
INSERT INTO plan_classes
SELECT $run_id,
       CASE WHEN r.class_id IS NULL THEN 'create' WHEN r.status = 'archived' THEN 'reactivate' ELSE 'update' END,
       w.class_sid, w.school_id, w.name, w.term, w.period, w.subject, w.grade,
       CASE WHEN r.class_id IS NOT NULL AND r.status <> 'archived' THEN r.status
            WHEN owner.status = 'active' THEN 'live' ELSE 'pending' END
FROM wanted_classes w
LEFT JOIN classes r USING (class_sid)
LEFT JOIN class_owner o USING (class_sid)
LEFT JOIN accounts owner ON owner.person_sid = o.owner_sid
WHERE NOT w.has_error
  AND (r.school_id IS NULL OR r.school_id NOT IN (SELECT school_id FROM frozen_schools))
  AND (r.class_id IS NULL OR r.status = 'archived'
       OR w.school_id IS DISTINCT FROM r.school_id OR w.name IS DISTINCT FROM r.sis_name
       OR w.term IS DISTINCT FROM r.term OR w.period IS DISTINCT FROM r.period
       OR w.subject IS DISTINCT FROM r.subject OR w.grade IS DISTINCT FROM r.grade);

INSERT INTO plan_classes
SELECT $run_id, 'remove', r.class_sid, r.school_id, r.sis_name, r.term, r.period, r.subject, r.grade, 'archived'
FROM classes r
WHERE NOT $suppress_removals AND r.status <> 'archived'
  AND r.school_id NOT IN (SELECT school_id FROM frozen_schools)
  AND r.class_sid NOT IN (SELECT class_sid FROM error_classes)
  AND NOT EXISTS (SELECT 1 FROM wanted_classes w WHERE w.class_sid = r.class_sid);

-- A district is on its first sync while its roster has no account (accounts are only ever made in a
-- school its approver released: an empty upload, or a rejected one, never ends it). The settings are
-- the district's controls as this run ran under them.
INSERT INTO plan_runs (run_id, roster_version, is_initial, computed_at, removals_suppressed, upload_age_days, plan_id,
                       data_date, settings, base_run)
SELECT $run_id, $roster_version, NOT EXISTS (SELECT 1 FROM accounts),
       now()::TIMESTAMP, $suppress_removals, $upload_age_days, $plan_id, (SELECT data_date FROM run_date), $settings,
       nullif($base_run, '');
