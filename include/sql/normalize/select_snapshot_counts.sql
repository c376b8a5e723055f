SELECT
    (SELECT count(*) FROM snap_schools WHERE run_id = $run_id),
    (SELECT count(*) FROM snap_people WHERE run_id = $run_id AND role = 'student'),
    (SELECT count(*) FROM snap_people WHERE run_id = $run_id AND role = 'teacher'),
    (SELECT count(*) FROM snap_people WHERE run_id = $run_id AND role = 'guardian'),
    (SELECT count(*) FROM snap_classes WHERE run_id = $run_id),
    (SELECT count(*) FROM snap_memberships WHERE run_id = $run_id);
