-- What a run wants, from its snapshot alone: the temp tables insert_plan diffs against the roster.
-- Needs temp table cfg_schools(school_sid, roster_id, selected) from the district YAML.
-- Params: $run_id, $mapping_required. The people wanted are prepare_wanted_people's, once the scope is known.
-- Run outside the plan's transaction (each statement commits its temp table): DuckDB scans a table made
-- in the current transaction on one thread, and these are read by the plan's big joins. Nothing here is
-- persistent; the plan's roster version is read before, so a roster change meanwhile voids the plan.

-- The run's school map (source school -> roster school, selected, mapped), written to plan_school_map by
-- insert_plan. Roster schools this upload does not name at all are in it too: their removals are planned
-- (and held), so an approval can release them.
CREATE OR REPLACE TEMP TABLE run_school_map AS
SELECT s.school_sid, coalesce(c.roster_id, s.school_sid) AS school_id, coalesce(c.selected, true) AS selected,
       c.school_sid IS NOT NULL OR NOT $mapping_required AS mapped
FROM (SELECT DISTINCT school_sid FROM snap_schools WHERE run_id = $run_id) s
LEFT JOIN cfg_schools c USING (school_sid)
UNION ALL
SELECT c.school_sid, coalesce(c.roster_id, c.school_sid), c.selected, true
FROM cfg_schools c
WHERE c.school_sid NOT IN (SELECT school_sid FROM snap_schools WHERE run_id = $run_id);
INSERT INTO run_school_map
SELECT r.school_id, r.school_id, true, true
FROM schools r
WHERE r.school_id NOT IN (SELECT school_id FROM run_school_map);

-- The day the data stands for: enrollments and classes outside their dates on it are not synced.
CREATE OR REPLACE TEMP TABLE run_date AS
SELECT coalesce((SELECT max(data_date) FROM snap_runs WHERE run_id = $run_id), current_date) AS data_date;
-- The run's enrollments current on that day: a table macro, not a copy (each reader scans the snapshot
-- with the filter; copying 6.2M rows took 0.6 s at 1M, and an incremental plan reads few of them).
CREATE OR REPLACE TEMP MACRO current_memberships(run) AS TABLE
SELECT * FROM snap_memberships
WHERE run_id = run
  AND (begin_date IS NULL OR begin_date <= (SELECT data_date FROM run_date))
  AND (end_date IS NULL OR end_date >= (SELECT data_date FROM run_date));

-- Schools this run syncs, and roster schools it must never touch (deselected or unmapped).
CREATE OR REPLACE TEMP TABLE synced_schools AS
SELECT school_sid, school_id FROM run_school_map WHERE selected AND mapped;
CREATE OR REPLACE TEMP TABLE frozen_schools AS
SELECT DISTINCT school_id FROM run_school_map WHERE NOT (selected AND mapped);

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
-- Each part starts from the few skipped records and joins out (one pass over the enrollments each).
CREATE OR REPLACE TEMP TABLE error_parent_pairs AS
WITH skipped_links AS (
    SELECT student_sid, guardian_sid FROM guardianships
    WHERE has_error OR student_sid IN (SELECT person_sid FROM error_people)
)
SELECT m.class_sid, s.guardian_sid AS person_sid
FROM skipped_links s JOIN snap_memberships m ON m.run_id = $run_id AND m.person_sid = s.student_sid
UNION
SELECT m.class_sid, g.guardian_sid
FROM error_pairs e
JOIN snap_memberships m ON m.run_id = $run_id AND m.class_sid = e.class_sid AND m.person_sid = e.person_sid
JOIN guardianships g ON g.student_sid = m.person_sid;

CREATE OR REPLACE TEMP TABLE wanted_classes AS
SELECT c.class_sid, m.school_id, c.name, c.term, c.period, c.subject, c.grade,
       c.class_sid IN (SELECT class_sid FROM error_classes) AS has_error
FROM snap_classes c JOIN synced_schools m USING (school_sid)
WHERE c.run_id = $run_id AND (c.end_date IS NULL OR c.end_date >= (SELECT data_date FROM run_date));

-- The owner is a teacher enrolled as one (an enrollment with an error never makes an owner).
CREATE OR REPLACE TEMP TABLE class_owner AS
SELECT class_sid, first(person_sid ORDER BY is_primary DESC, person_sid) AS owner_sid
FROM current_memberships($run_id) m
WHERE role = 'teacher'
  AND NOT EXISTS (SELECT 1 FROM error_pairs e WHERE e.class_sid = m.class_sid AND e.person_sid = m.person_sid)
GROUP BY ALL;

-- Every pair and every person is in a full plan's scope (insert_plan_memberships, prepare_wanted_people;
-- the incremental plan's are in_increment and in_people_increment).
CREATE OR REPLACE TEMP MACRO in_whole_plan(class_key, person_key) AS true;
CREATE OR REPLACE TEMP MACRO every_person(person_key) AS true;

-- The membership diff's passes (plan.membership_passes): one pass reads every class, each of several
-- the classes of one hash partition.
CREATE OR REPLACE TEMP MACRO every_class(class_key, part, parts) AS true;
CREATE OR REPLACE TEMP MACRO class_in_part(class_key, part, parts) AS hash(class_key) % parts = part;
