-- What the app sees of a district now: accounts, classes and memberships not removed; schools on hold.
SELECT (SELECT count(*) FROM accounts WHERE removed_run IS NULL) AS accounts,
       (SELECT count(*) FROM classes WHERE removed_run IS NULL) AS classes,
       (SELECT count(*) FROM memberships WHERE removed_run IS NULL) AS memberships,
       (SELECT count(*) FROM school_state WHERE state = 'On hold') AS schools_on_hold;
