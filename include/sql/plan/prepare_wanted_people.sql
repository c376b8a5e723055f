-- People who should have an account: a role the district selected, linked to a synced school
-- (guardians through their students). Those with a record error keep what they have. Only a usable
-- email or phone is ever stored (the others are alerts A204/A205). Of the people in the plan's scope
-- ({people_in_scope}: every_person, or prepare_increment's in_people_increment), over prepare_plan's
-- tables. Params: $run_id, $teachers, $students, $parents.
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
    WHERE NOT g.has_error AND {people_in_scope}(g.guardian_sid)  -- the scope's guardians only (at 1M, for an
    GROUP BY ALL                                                  -- incremental plan: 0.66 s to 0.38 s)
) gs USING (person_sid)
LEFT JOIN error_people e USING (person_sid)
WHERE p.run_id = $run_id AND {people_in_scope}(p.person_sid)
  AND coalesce(ps.school_id, gs.school_id) IS NOT NULL
  AND ((p.role = 'teacher' AND $teachers) OR (p.role = 'student' AND $students)
       OR (p.role = 'guardian' AND $parents));
