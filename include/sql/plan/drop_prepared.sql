-- prepare_plan's and prepare_increment's tables (those that were made).
DROP TABLE IF EXISTS run_school_map; DROP TABLE IF EXISTS synced_schools; DROP TABLE IF EXISTS frozen_schools;
DROP TABLE IF EXISTS person_school; DROP TABLE IF EXISTS error_people; DROP TABLE IF EXISTS run_date;
DROP TABLE IF EXISTS error_classes; DROP TABLE IF EXISTS error_guardianships;
DROP TABLE IF EXISTS guardianships; DROP TABLE IF EXISTS error_pairs; DROP TABLE IF EXISTS error_parent_pairs;
DROP TABLE IF EXISTS wanted_people; DROP TABLE IF EXISTS wanted_classes; DROP TABLE IF EXISTS class_owner;
DROP TABLE IF EXISTS increment_dates; DROP TABLE IF EXISTS dirty_people; DROP TABLE IF EXISTS dirty_classes;
DROP TABLE IF EXISTS dirty_pairs; DROP TABLE IF EXISTS scoped_memberships; DROP TABLE IF EXISTS scoped_roster_memberships;
DROP TABLE IF EXISTS scoped_people;
DROP TABLE IF EXISTS cfg_schools;
