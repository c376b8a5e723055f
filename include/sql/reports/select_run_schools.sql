-- The source schools of a run, with their roster id, whether they are synced, and their name.
SELECT m.school_sid, m.school_id, m.selected, m.mapped, s.name
FROM plan_school_map m
LEFT JOIN snap_schools s ON s.run_id = m.run_id AND s.school_sid = m.school_sid
WHERE m.run_id = $run_id
ORDER BY m.school_sid;
