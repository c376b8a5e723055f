-- The source ids a run's snapshot has of one kind (person, school, class): what a delta may remove.
SELECT person_sid FROM snap_people WHERE run_id = $run_id AND $kind = 'person'
UNION ALL SELECT school_sid FROM snap_schools WHERE run_id = $run_id AND $kind = 'school'
UNION ALL SELECT class_sid FROM snap_classes WHERE run_id = $run_id AND $kind = 'class';
