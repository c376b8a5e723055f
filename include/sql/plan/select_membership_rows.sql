-- The rows the membership diff reads (plan.membership_passes splits it into passes by this): the scope's
-- enrollments and the roster memberships it is diffed against.
SELECT (SELECT count(*) FROM {enrollments}) + (SELECT count(*) FROM {roster_memberships});
