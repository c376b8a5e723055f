-- The roster of one district in PostgreSQL (ROSTERSYNC_ROSTER_URL): schema rs_<district id>. This is the
-- schema the app reads (README "Where the roster lives"). Run once, in one transaction, when the
-- district's store is created (psycopg parameter: store_id). Columns are in the order the DuckDB store
-- has them (the apply inserts by position).

CREATE SCHEMA {schema};  -- never IF NOT EXISTS: a schema already there belongs to something else

-- The store (the district's DuckDB working file) this schema belongs to: a working file and a schema
-- that do not match are refused (R053), never planned against each other.
CREATE TABLE IF NOT EXISTS {schema}.store_identity (store_id varchar, schema_version integer, created_at timestamp);
INSERT INTO {schema}.store_identity
SELECT %(store_id)s, 1, now() AT TIME ZONE 'UTC'
WHERE NOT EXISTS (SELECT 1 FROM {schema}.store_identity);

-- Schools of the roster: school_id is the app's id (the config's roster_id, or the SIS id).
CREATE TABLE IF NOT EXISTS {schema}.schools (
    school_id varchar, name varchar, created_run varchar, updated_run varchar);

-- Each school's sync state: Connected, On hold (reasons; since when, UTC) or Paused.
CREATE TABLE IF NOT EXISTS {schema}.school_state (
    school_id varchar, state varchar, reasons varchar, since timestamp);

-- One account per SIS person (person_sid). status: pending until the user claims it (claimed_at, written
-- by the app), active, deactivated (removed_run). Email and phone are written at creation only.
CREATE TABLE IF NOT EXISTS {schema}.accounts (
    account_id bigint, person_sid varchar, role varchar, school_id varchar,
    given_name varchar, family_name varchar, email varchar, phone varchar, grade varchar,
    status varchar, claimed_at timestamp,
    created_run varchar, updated_run varchar, removed_run varchar);

-- Classes: sis_name is the SIS's; app_name is the app's (a sync never writes it). status: active or archived.
CREATE TABLE IF NOT EXISTS {schema}.classes (
    class_id bigint, class_sid varchar, school_id varchar, sis_name varchar, app_name varchar,
    term varchar, period varchar, subject varchar, grade varchar, status varchar,
    created_run varchar, updated_run varchar, removed_run varchar);

-- Class memberships by the app's ids; status active or removed.
CREATE TABLE IF NOT EXISTS {schema}.memberships (
    class_id bigint, account_id bigint, role varchar, status varchar,
    created_run varchar, updated_run varchar, removed_run varchar);

-- One row per sync run (and per rollback): its gate answer, who gave it, and what it applied (counts).
CREATE TABLE IF NOT EXISTS {schema}.sync_runs (
    run_id varchar, logical_date timestamp, landing_sha256 varchar, status varchar,
    roster_version_before varchar, gate_answer varchar, approved_by varchar, approved_at timestamp,
    counts json, applied_at timestamp, gate_plan_id varchar, gate_opened_at timestamp, gate_link varchar);

-- Every update and removal a run applied, with the row before and after (a rollback restores `before`);
-- creates are one row per entity and run (the created rows carry created_run).
CREATE TABLE IF NOT EXISTS {schema}.change_log (
    run_id varchar, seq bigint, entity varchar, key varchar, op varchar, before json, after json);

CREATE INDEX IF NOT EXISTS accounts_person_sid ON {schema}.accounts (person_sid);
CREATE INDEX IF NOT EXISTS classes_class_sid ON {schema}.classes (class_sid);
CREATE INDEX IF NOT EXISTS memberships_ids ON {schema}.memberships (class_id, account_id);
CREATE INDEX IF NOT EXISTS change_log_run ON {schema}.change_log (run_id);
CREATE INDEX IF NOT EXISTS sync_runs_run ON {schema}.sync_runs (run_id);
