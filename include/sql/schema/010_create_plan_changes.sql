-- Every change of every plan as one shape (entity, op, school, key): what counts, holds and reports
-- read, written once here instead of the same union in each of them.
CREATE OR REPLACE VIEW plan_changes AS
SELECT run_id, 'accounts' AS entity, op, school_id, person_sid AS key FROM plan_accounts
UNION ALL
SELECT run_id, 'classes', op, school_id, class_sid FROM plan_classes
UNION ALL
SELECT run_id, 'memberships', op, school_id, class_sid || '|' || person_sid FROM plan_memberships;
