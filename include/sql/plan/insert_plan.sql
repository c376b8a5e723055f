-- The diff of a run's snapshot against the roster, as plan rows (create, reactivate, update, remove).
-- Needs temp table cfg_schools(school_sid, roster_id, selected) from the district YAML.
-- Params: $run_id, $mapping_required, $teachers, $students, $parents, $roster_version,
-- $suppress_removals (a stale upload never removes anything), $upload_age_days, $plan_id (new for each plan).

INSERT INTO plan_school_map
SELECT $run_id, s.school_sid, coalesce(c.roster_id, s.school_sid), coalesce(c.selected, true),
       c.school_sid IS NOT NULL OR NOT $mapping_required
FROM (SELECT DISTINCT school_sid FROM snap_schools WHERE run_id = $run_id) s
LEFT JOIN cfg_schools c USING (school_sid)
UNION ALL
SELECT $run_id, c.school_sid, coalesce(c.roster_id, c.school_sid), c.selected, true
FROM cfg_schools c
WHERE c.school_sid NOT IN (SELECT school_sid FROM snap_schools WHERE run_id = $run_id);

-- Roster schools this upload does not name at all: their removals are planned (and held), so they are in
-- the map, and an approval can release them.
INSERT INTO plan_school_map
SELECT $run_id, r.school_id, r.school_id, true, true
FROM schools r
WHERE r.school_id NOT IN (SELECT school_id FROM plan_school_map WHERE run_id = $run_id);

-- The day the data stands for: enrollments and classes outside their dates on it are not synced.
CREATE OR REPLACE TEMP TABLE run_date AS
SELECT coalesce((SELECT max(data_date) FROM snap_runs WHERE run_id = $run_id), current_date) AS data_date;
CREATE OR REPLACE TEMP TABLE current_memberships AS
SELECT * FROM snap_memberships
WHERE run_id = $run_id
  AND (begin_date IS NULL OR begin_date <= (SELECT data_date FROM run_date))
  AND (end_date IS NULL OR end_date >= (SELECT data_date FROM run_date));

-- Schools this run syncs, and roster schools it must never touch (deselected or unmapped).
CREATE OR REPLACE TEMP TABLE synced_schools AS
SELECT school_sid, school_id FROM plan_school_map WHERE run_id = $run_id AND selected AND mapped;
CREATE OR REPLACE TEMP TABLE frozen_schools AS
SELECT DISTINCT school_id FROM plan_school_map WHERE run_id = $run_id AND NOT (selected AND mapped);

INSERT INTO plan_schools
SELECT $run_id, CASE WHEN r.school_id IS NULL THEN 'create' ELSE 'update' END, m.school_id, s.name
FROM snap_schools s
JOIN synced_schools m USING (school_sid)
LEFT JOIN schools r ON r.school_id = m.school_id
WHERE s.run_id = $run_id AND (r.school_id IS NULL OR r.name IS DISTINCT FROM s.name);

CREATE OR REPLACE TEMP TABLE person_school AS
SELECT sp.person_sid, min(m.school_id) AS school_id
FROM snap_school_people sp JOIN synced_schools m USING (school_sid)
WHERE sp.run_id = $run_id
GROUP BY ALL;

-- Records skipped for an error: kept exactly as the roster has them (never created, changed or removed
-- by this run, whatever else the upload says of them).
CREATE OR REPLACE TEMP TABLE error_people AS
SELECT DISTINCT key AS person_sid FROM record_issues
WHERE run_id = $run_id AND severity = 'error' AND entity = 'person';
CREATE OR REPLACE TEMP TABLE error_classes AS
SELECT DISTINCT key AS class_sid FROM record_issues
WHERE run_id = $run_id AND severity = 'error' AND entity = 'class';
CREATE OR REPLACE TEMP TABLE error_guardianships AS
SELECT DISTINCT key AS student_sid, other_key AS guardian_sid FROM record_issues
WHERE run_id = $run_id AND severity = 'error' AND entity = 'guardianship';
CREATE OR REPLACE TEMP TABLE guardianships AS
SELECT g.student_sid, g.guardian_sid, e.student_sid IS NOT NULL AS has_error
FROM (SELECT DISTINCT student_sid, guardian_sid FROM snap_guardianships WHERE run_id = $run_id) g
LEFT JOIN error_guardianships e USING (student_sid, guardian_sid);
-- Enrollments with an error. One naming a class or a person the upload does not have (E103, E104) is
-- not kept: what it names is absent, and goes as anything absent goes.
CREATE OR REPLACE TEMP TABLE error_pairs AS
SELECT DISTINCT key AS class_sid, other_key AS person_sid FROM record_issues
WHERE run_id = $run_id AND severity = 'error' AND entity = 'membership' AND code NOT IN ('E103', 'E104');
-- Parent memberships that come of a skipped record: of a skipped guardianship, of a student skipped
-- for an error, of a student's skipped enrollment. Kept as they are (a parent never loses a class
-- because their child's record was skipped).
CREATE OR REPLACE TEMP TABLE error_parent_pairs AS
SELECT DISTINCT m.class_sid, g.guardian_sid AS person_sid
FROM guardianships g JOIN snap_memberships m ON m.run_id = $run_id AND m.person_sid = g.student_sid
WHERE g.has_error
   OR g.student_sid IN (SELECT person_sid FROM error_people)
   OR EXISTS (SELECT 1 FROM error_pairs e WHERE e.class_sid = m.class_sid AND e.person_sid = m.person_sid);

-- People who should have an account: a role the district selected, linked to a synced school
-- (guardians through their students). Those with a record error keep what they have. Only a usable
-- email or phone is ever stored (the others are alerts A204/A205).
CREATE OR REPLACE TEMP TABLE wanted_people AS
SELECT p.person_sid, p.role, coalesce(ps.school_id, gs.school_id) AS school_id,
       p.given_name, p.family_name,
       CASE WHEN usable_email(p.email) THEN p.email END AS email,
       CASE WHEN usable_phone(p.phone) THEN p.phone END AS phone,
       p.grade,
       e.person_sid IS NOT NULL AS has_error
FROM snap_people p
LEFT JOIN person_school ps USING (person_sid)
LEFT JOIN (
    SELECT g.guardian_sid AS person_sid, min(s.school_id) AS school_id
    FROM guardianships g JOIN person_school s ON s.person_sid = g.student_sid
    WHERE NOT g.has_error
    GROUP BY ALL
) gs USING (person_sid)
LEFT JOIN error_people e USING (person_sid)
WHERE p.run_id = $run_id
  AND coalesce(ps.school_id, gs.school_id) IS NOT NULL
  AND ((p.role = 'teacher' AND $teachers) OR (p.role = 'student' AND $students)
       OR (p.role = 'guardian' AND $parents));

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
WHERE NOT $suppress_removals AND a.status <> 'deactivated'
  AND a.school_id NOT IN (SELECT school_id FROM frozen_schools)
  AND a.person_sid NOT IN (SELECT person_sid FROM error_people)
  AND NOT EXISTS (SELECT 1 FROM wanted_people w WHERE w.person_sid = a.person_sid);

CREATE OR REPLACE TEMP TABLE wanted_classes AS
SELECT c.class_sid, m.school_id, c.name, c.term, c.period, c.subject, c.grade,
       c.class_sid IN (SELECT class_sid FROM error_classes) AS has_error
FROM snap_classes c JOIN synced_schools m USING (school_sid)
WHERE c.run_id = $run_id AND (c.end_date IS NULL OR c.end_date >= (SELECT data_date FROM run_date));

-- The owner is a teacher enrolled as one (an enrollment with an error never makes an owner).
CREATE OR REPLACE TEMP TABLE class_owner AS
SELECT class_sid, first(person_sid ORDER BY is_primary DESC, person_sid) AS owner_sid
FROM current_memberships m
WHERE role = 'teacher'
  AND NOT EXISTS (SELECT 1 FROM error_pairs e WHERE e.class_sid = m.class_sid AND e.person_sid = m.person_sid)
GROUP BY ALL;

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

-- Memberships: teachers own their classes; students join theirs; each student's guardians join
-- every class of that student as parents. One role per person and class: owner, then student, then
-- parent (a pair is grouped once; parents are deduplicated, then dropped where the pair is direct).
-- Diffed against the roster's memberships in one FULL OUTER JOIN (no copy of either side): a wanted
-- pair the roster lacks, has removed or holds in another role is a create, reactivate or update; a
-- roster pair nobody wants (not even a skipped record) is a removal.
INSERT INTO plan_memberships
WITH direct AS (
    SELECT class_sid, person_sid, min(CASE role WHEN 'teacher' THEN 1 ELSE 2 END) AS rank
    FROM current_memberships
    GROUP BY class_sid, person_sid
), parents AS (
    SELECT d.class_sid, g.guardian_sid AS person_sid, bool_and(g.has_error) AS has_error
    FROM direct d JOIN guardianships g ON g.student_sid = d.person_sid
    WHERE d.rank = 2
    GROUP BY ALL
), every_membership AS (
    SELECT class_sid, person_sid, CASE rank WHEN 1 THEN 'owner' ELSE 'student' END AS role, false AS has_error
    FROM direct
    UNION ALL
    SELECT p.class_sid, p.person_sid, 'parent', p.has_error
    FROM parents p ANTI JOIN direct d USING (class_sid, person_sid)
), wanted AS (
    SELECT e.class_sid, e.person_sid, wc.school_id, e.role,
           e.has_error OR wp.has_error OR wc.has_error OR ep.class_sid IS NOT NULL AS has_error
    FROM every_membership e
    JOIN wanted_classes wc USING (class_sid)
    JOIN wanted_people wp USING (person_sid)
    LEFT JOIN error_pairs ep USING (class_sid, person_sid)
), roster AS (
    SELECT m.class_id, c.class_sid, a.person_sid, c.school_id, m.role, m.status
    FROM memberships m JOIN classes c USING (class_id) JOIN accounts a USING (account_id)
), paired AS (
    SELECT w.class_sid AS w_class, w.person_sid AS w_person, w.school_id AS w_school, w.role AS w_role,
           w.has_error, r.class_id, r.class_sid AS r_class, r.person_sid AS r_person, r.school_id AS r_school,
           r.role AS r_role, r.status AS r_status
    FROM wanted w FULL OUTER JOIN roster r ON r.class_sid = w.class_sid AND r.person_sid = w.person_sid
)
SELECT $run_id,
       CASE WHEN class_id IS NULL THEN 'create' WHEN r_status = 'removed' THEN 'reactivate' ELSE 'update' END,
       w_class, w_person, w_role, w_school
FROM paired
WHERE w_class IS NOT NULL AND NOT has_error
  AND (class_id IS NULL OR r_status = 'removed' OR r_role IS DISTINCT FROM w_role)
UNION ALL
SELECT $run_id, 'remove', r_class, r_person, r_role, r_school
FROM paired p
WHERE w_class IS NULL AND NOT $suppress_removals AND r_status = 'active'
  AND r_school NOT IN (SELECT school_id FROM frozen_schools)
  AND r_class NOT IN (SELECT class_sid FROM error_classes)
  AND r_person NOT IN (SELECT person_sid FROM error_people)
  AND NOT EXISTS (SELECT 1 FROM error_pairs e WHERE e.class_sid = p.r_class AND e.person_sid = p.r_person)
  AND NOT (r_role = 'parent' AND EXISTS (SELECT 1 FROM error_parent_pairs e
                                         WHERE e.class_sid = p.r_class AND e.person_sid = p.r_person));

-- A district is on its first sync while its roster has no account (accounts are only ever made in a
-- school its approver released: an empty upload, or a rejected one, never ends it). The settings are
-- the district's controls as this run ran under them.
INSERT INTO plan_runs (run_id, roster_version, is_initial, computed_at, removals_suppressed, upload_age_days, plan_id,
                       data_date, settings)
SELECT $run_id, $roster_version, NOT EXISTS (SELECT 1 FROM accounts),
       now()::TIMESTAMP, $suppress_removals, $upload_age_days, $plan_id, (SELECT data_date FROM run_date), $settings;

DROP TABLE synced_schools; DROP TABLE frozen_schools; DROP TABLE person_school; DROP TABLE error_people;
DROP TABLE run_date; DROP TABLE current_memberships; DROP TABLE error_classes; DROP TABLE error_guardianships; DROP TABLE guardianships; DROP TABLE error_pairs;
DROP TABLE error_parent_pairs;
DROP TABLE wanted_people; DROP TABLE wanted_classes; DROP TABLE class_owner;
