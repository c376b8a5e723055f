DROP TABLE IF EXISTS apply_schools; DROP TABLE IF EXISTS apply_accounts; DROP TABLE IF EXISTS apply_classes;
DROP TABLE IF EXISTS apply_memberships; DROP TABLE IF EXISTS changed_membership_ids;
DROP TABLE IF EXISTS replaced_memberships; DROP TABLE IF EXISTS replaced_accounts;
DROP TABLE IF EXISTS released_schools;
DROP TABLE IF EXISTS apply_mode; DROP TABLE IF EXISTS kept_moves;
DROP TABLE IF EXISTS created_account_numbers; DROP TABLE IF EXISTS created_class_numbers;
