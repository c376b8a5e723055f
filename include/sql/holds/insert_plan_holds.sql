-- Holds over a computed plan, per school, replacing any the run had. Params: $run_id, $paused, $additive (the
-- district's mode: removals are never applied, so they hold nothing), $blackout (the plan is made inside a
-- blackout window: every school with a change waits), $blackout_reason. Needs temp table hold_thresholds
-- (entity, removal_share, removal_min_count, update_share, update_min_count, addition_share,
-- addition_min_count): each entity's thresholds.
DELETE FROM plan_holds WHERE run_id = $run_id;

CREATE OR REPLACE TEMP TABLE school_changes AS
SELECT school_id, entity, count(*) FILTER (WHERE op = 'remove') AS removes,
       count(*) FILTER (WHERE op = 'update') AS updates,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS additions
FROM plan_changes WHERE run_id = $run_id
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE school_holdings AS
SELECT 'accounts' AS entity, school_id, count(*) AS held FROM accounts WHERE status <> 'deactivated' GROUP BY ALL
UNION ALL
SELECT 'classes', school_id, count(*) FROM classes WHERE status <> 'archived' GROUP BY ALL
UNION ALL
SELECT 'memberships', c.school_id, count(*) FROM memberships m JOIN classes c USING (class_id)
WHERE m.status = 'active' GROUP BY ALL;

-- A school's first sync waits for approval: a school with no account in the roster yet (a new
-- district's every school, a school new to the district) that this plan changes. An empty upload never
-- ends it; a school with nothing to sync yet holds nothing.
INSERT INTO plan_holds
SELECT $run_id, m.school_id, 'initial_sync', 'first sync of this school: its changes wait for approval'
FROM (SELECT DISTINCT school_id FROM plan_school_map WHERE run_id = $run_id AND selected AND mapped) m
WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.school_id = m.school_id)
  AND EXISTS (SELECT 1 FROM school_changes c WHERE c.school_id = m.school_id
              AND c.additions + c.updates + c.removes > 0);

INSERT INTO plan_holds
SELECT $run_id, c.school_id, 'data_removals',
       printf('%d of %d %s would be removed (%.1f%%, limit %.0f%%)', c.removes, h.held, c.entity,
              100.0 * c.removes / h.held, 100.0 * t.removal_share)
FROM school_changes c JOIN school_holdings h USING (school_id, entity) JOIN hold_thresholds t USING (entity)
WHERE NOT $additive AND c.removes >= t.removal_min_count AND c.removes > t.removal_share * h.held;

INSERT INTO plan_holds
SELECT $run_id, c.school_id, 'data_updates',
       printf('%d of %d %s would be updated (%.1f%%, limit %.0f%%)', c.updates, h.held, c.entity,
              100.0 * c.updates / h.held, 100.0 * t.update_share)
FROM school_changes c JOIN school_holdings h USING (school_id, entity) JOIN hold_thresholds t USING (entity)
WHERE c.updates >= t.update_min_count AND c.updates > t.update_share * h.held;

-- A paused district (mode paused): every school with a change (its name too) is checked and reported,
-- never applied (no approver can release it: nothing waits at the gate).
INSERT INTO plan_holds
SELECT DISTINCT $run_id, school_id, 'paused', 'the district is paused (mode: paused): checked and reported only'
FROM (SELECT school_id FROM school_changes UNION SELECT school_id FROM plan_schools WHERE run_id = $run_id)
WHERE $paused;

-- A blackout window (summer, say) at the time the plan is made: every school with a change waits for
-- an approver (apply_diff checks the window again for the schools with no hold).
INSERT INTO plan_holds
SELECT DISTINCT $run_id, school_id, 'blackout', $blackout_reason || ': nothing is applied without an approver'
FROM (SELECT school_id FROM school_changes c WHERE c.removes > 0 AND NOT $additive OR c.updates > 0 OR c.additions > 0
      UNION SELECT school_id FROM plan_schools WHERE run_id = $run_id)
WHERE $blackout;

-- A school the roster holds that this upload would leave with no account at all (an export that lost
-- the school, or an empty file): held whatever its size, since no threshold counts a small school.
INSERT INTO plan_holds
SELECT $run_id, c.school_id, 'school_emptied',
       printf('the upload has none of this school''s %d accounts: every one would be removed', h.held)
FROM school_changes c JOIN school_holdings h USING (school_id, entity)
WHERE NOT $additive AND c.entity = 'accounts' AND h.held > 0 AND c.removes >= h.held;

-- Moves: accounts or classes that leave one roster school for another (a school renumbered in the SIS,
-- a bad export). Counted against the school they leave; both schools wait, the move in their detail.
-- A school new to the roster that would receive moved accounts waits at the removal minimum alone.
CREATE OR REPLACE TEMP TABLE school_moves AS
SELECT 'accounts' AS entity, a.school_id AS from_school, p.school_id AS to_school, count(*) AS moved
FROM plan_accounts p JOIN accounts a USING (person_sid)
WHERE p.run_id = $run_id AND p.op = 'update' AND a.status <> 'deactivated' AND a.school_id <> p.school_id
GROUP BY ALL
UNION ALL
SELECT 'classes', c.school_id, p.school_id, count(*)
FROM plan_classes p JOIN classes c USING (class_sid)
WHERE p.run_id = $run_id AND p.op = 'update' AND c.status <> 'archived' AND c.school_id <> p.school_id
GROUP BY ALL;

INSERT INTO plan_holds
SELECT DISTINCT $run_id, school_id, 'data_moves', detail FROM (
    SELECT unnest([m.from_school, m.to_school]) AS school_id,
           printf('%d %s would move from school %s to school %s', m.moved, m.entity, m.from_school, m.to_school)
               AS detail
    FROM school_moves m
    LEFT JOIN school_holdings h ON h.entity = m.entity AND h.school_id = m.from_school
        JOIN hold_thresholds t ON t.entity = m.entity
    WHERE m.moved >= t.removal_min_count
      AND (m.moved > t.removal_share * coalesce(h.held, 0)
           OR m.to_school NOT IN (SELECT school_id FROM schools))
);

-- Additions: more new accounts than the district expects at once (and new classes or memberships where the
-- district sets their own addition_share). Off on a school's first sync: it waits as a whole anyway.
INSERT INTO plan_holds
SELECT $run_id, c.school_id, 'data_additions',
       printf('%d new %s (the school has %d; limit %.0f%%)', c.additions, c.entity, coalesce(h.held, 0),
              100.0 * t.addition_share)
FROM school_changes c LEFT JOIN school_holdings h USING (school_id, entity) JOIN hold_thresholds t USING (entity)
WHERE t.addition_share IS NOT NULL AND EXISTS (SELECT 1 FROM accounts a WHERE a.school_id = c.school_id)
  AND c.additions >= coalesce(t.addition_min_count, 0) AND c.additions > t.addition_share * coalesce(h.held, 0);

DROP TABLE school_changes; DROP TABLE school_holdings; DROP TABLE school_moves;

-- Data configuration: a student with 6 or more guardians is almost always an export mistake.
INSERT INTO plan_holds
SELECT $run_id, m.school_id, 'data_configuration',
       printf('%d student(s) with 6 or more guardians, e.g. %s', count(DISTINCT g.student_sid), min(g.student_sid))
FROM (
    SELECT student_sid FROM snap_guardianships WHERE run_id = $run_id
    GROUP BY student_sid HAVING count(DISTINCT guardian_sid) >= 6
) g
JOIN snap_school_people sp ON sp.run_id = $run_id AND sp.person_sid = g.student_sid
JOIN plan_school_map m ON m.run_id = $run_id AND m.school_sid = sp.school_sid AND m.selected AND m.mapped
GROUP BY m.school_id;

-- Data configuration: emergency and secondary contacts (from Clever) wait for review before they get
-- accounts and join classes.
INSERT INTO plan_holds
SELECT $run_id, m.school_id, 'data_configuration',
       printf('%d emergency or secondary contact(s), e.g. %s', count(DISTINCT g.guardian_sid), min(g.guardian_sid))
FROM snap_guardianships g
JOIN snap_school_people sp ON sp.run_id = $run_id AND sp.person_sid = g.student_sid
JOIN plan_school_map m ON m.run_id = $run_id AND m.school_sid = sp.school_sid AND m.selected AND m.mapped
WHERE g.run_id = $run_id AND g.contact_type IN ('emergency', 'secondary')
GROUP BY m.school_id;
