-- Classes as the suite sees them: how many primary teachers each has in the snapshot.
SELECT s.*,
       (SELECT count(*) FROM snap_memberships m
        WHERE m.run_id = $run_id AND m.class_sid = s.class_sid AND m.role = 'teacher' AND m.is_primary)
           AS primary_teachers
FROM sample s
