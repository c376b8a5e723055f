-- The membership rows of a run's plan (over the temp tables of prepare_plan). Params: $run_id,
-- $suppress_removals, $part and $parts: plan.py runs one pass per part, as many as DuckDB's memory bound
-- needs, each over the classes {class_part} keeps (every_class in one pass: no filter at all, which
-- costs a first sync 4 s; class_in_part in several), a class's whole set of pairs. plan.py fills in the
-- names of one of two scopes: the full plan's (current_memberships($run_id), the macro in_whole_plan,
-- the roster's memberships) or the incremental one's (prepare_increment's scoped_memberships,
-- in_increment and scoped_roster_memberships).

-- Memberships: teachers own their classes; students join theirs; each student's guardians join
-- every class of that student as parents. One role per person and class: owner, then student, then
-- parent (a pair is grouped once; parents are deduplicated, then dropped where the pair is direct).
-- Diffed against the roster's memberships in one FULL OUTER JOIN (no copy of either side): a wanted
-- pair the roster lacks, has removed or holds in another role is a create, reactivate or update; a
-- roster pair nobody wants (not even a skipped record) is a removal.
INSERT INTO plan_memberships
WITH direct AS (
    SELECT class_sid, person_sid, min(CASE role WHEN 'teacher' THEN 1 ELSE 2 END) AS rank
    FROM {enrollments}
    WHERE {class_part}(class_sid, $part, $parts)
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
    WHERE {in_scope}(e.class_sid, e.person_sid)
), roster AS (
    SELECT m.class_id, c.class_sid, a.person_sid, c.school_id, m.role, m.status
    FROM {roster_memberships} m JOIN classes c USING (class_id) JOIN accounts a USING (account_id)
    WHERE {class_part}(c.class_sid, $part, $parts)
), paired AS (
    SELECT w.class_sid AS w_class, w.person_sid AS w_person, w.school_id AS w_school, w.role AS w_role,
           w.has_error, r.class_id, r.class_sid AS r_class, r.person_sid AS r_person, r.school_id AS r_school,
           r.role AS r_role, r.status AS r_status
    FROM wanted w FULL OUTER JOIN roster r ON r.class_sid = w.class_sid AND r.person_sid = w.person_sid
)
-- One pass over the pairs (a second pass, or a correlated subquery per pair, made DuckDB keep all the
-- pairs, 14.6M at 1M students, and read them twice: 14 of the 16 s of a first sync's plan). A pair with
-- a NULL id matches no error pair, as with NOT EXISTS (hence IS NOT FALSE; the lists hold no NULL).
SELECT $run_id,
       CASE WHEN w_class IS NULL THEN 'remove' WHEN class_id IS NULL THEN 'create'
            WHEN r_status = 'removed' THEN 'reactivate' ELSE 'update' END,
       coalesce(w_class, r_class), coalesce(w_person, r_person),
       CASE WHEN w_class IS NULL THEN r_role ELSE w_role END,
       CASE WHEN w_class IS NULL THEN r_school ELSE w_school END
FROM paired
WHERE CASE WHEN w_class IS NOT NULL
           THEN NOT has_error AND (class_id IS NULL OR r_status = 'removed' OR r_role IS DISTINCT FROM w_role)
           ELSE NOT $suppress_removals AND r_status = 'active'
                AND r_school NOT IN (SELECT school_id FROM frozen_schools)
                AND r_class NOT IN (SELECT class_sid FROM error_classes)
                AND r_person NOT IN (SELECT person_sid FROM error_people)
                AND ((r_class, r_person) NOT IN (SELECT class_sid, person_sid FROM error_pairs
                                                 WHERE class_sid IS NOT NULL AND person_sid IS NOT NULL)) IS NOT FALSE
                AND (r_role <> 'parent'
                     OR ((r_class, r_person) NOT IN (SELECT class_sid, person_sid FROM error_parent_pairs
                                                     WHERE class_sid IS NOT NULL AND person_sid IS NOT NULL)) IS NOT FALSE)
      END;
