-- Schools on hold for a decision still to take (not those a paused district or a refused token hold,
-- which no answer can release). Reasons read "a, b; not released at run X".
SELECT count(*) FROM school_state
WHERE state = 'On hold' AND NOT regexp_matches(coalesce(reasons, ''), '(^|, )(disconnected|paused)(, |;|$)');
