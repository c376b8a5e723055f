-- Each roster school of a run with its source id and name (from this upload, else the roster).
SELECT m.school_id, min(m.school_sid) AS school_sid, coalesce(min(s.name), min(r.name)) AS name
FROM plan_school_map m
LEFT JOIN snap_schools s ON s.run_id = m.run_id AND s.school_sid = m.school_sid
LEFT JOIN schools r ON r.school_id = m.school_id
WHERE m.run_id = $run_id
GROUP BY m.school_id;
