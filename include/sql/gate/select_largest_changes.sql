-- The ten classes of one school whose membership changes most in this plan, for the gate body.
SELECT class_sid,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS joining,
       count(*) FILTER (WHERE op = 'remove') AS leaving
FROM plan_memberships
WHERE run_id = $run_id AND school_id = $school_id
GROUP BY class_sid
ORDER BY count(*) DESC, class_sid
LIMIT 10;
