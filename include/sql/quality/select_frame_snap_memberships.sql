-- Enrollments as the suite sees them: whether their class and their person are in the snapshot.
SELECT s.*,
       EXISTS (SELECT 1 FROM snap_classes c WHERE c.run_id = $run_id AND c.class_sid = s.class_sid) AS class_known,
       EXISTS (SELECT 1 FROM snap_people p WHERE p.run_id = $run_id AND p.person_sid = s.person_sid) AS person_known
FROM sample s
