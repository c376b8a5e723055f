-- The roster (what the app sees) and its logs, in the district's DuckDB file: the embedded default. With
-- ROSTERSYNC_ROSTER_URL they live in PostgreSQL instead (roster/postgres.sql: the same tables, in the same
-- column order). Idempotent: safe on every connect. Email and phone are written at creation only.
CREATE TABLE IF NOT EXISTS schools (
    school_id VARCHAR, name VARCHAR, created_run VARCHAR, updated_run VARCHAR);
CREATE TABLE IF NOT EXISTS school_state (
    school_id VARCHAR, state VARCHAR, reasons VARCHAR, since TIMESTAMP);
CREATE TABLE IF NOT EXISTS accounts (
    account_id BIGINT, person_sid VARCHAR, role VARCHAR, school_id VARCHAR,
    given_name VARCHAR, family_name VARCHAR, email VARCHAR, phone VARCHAR, grade VARCHAR,
    status VARCHAR, claimed_at TIMESTAMP,
    created_run VARCHAR, updated_run VARCHAR, removed_run VARCHAR);
CREATE TABLE IF NOT EXISTS classes (
    class_id BIGINT, class_sid VARCHAR, school_id VARCHAR, sis_name VARCHAR, app_name VARCHAR,
    term VARCHAR, period VARCHAR, subject VARCHAR, grade VARCHAR, status VARCHAR,
    created_run VARCHAR, updated_run VARCHAR, removed_run VARCHAR);
CREATE TABLE IF NOT EXISTS memberships (
    class_id BIGINT, account_id BIGINT, role VARCHAR, status VARCHAR,
    created_run VARCHAR, updated_run VARCHAR, removed_run VARCHAR);

CREATE TABLE IF NOT EXISTS sync_runs (
    run_id VARCHAR, logical_date TIMESTAMP, landing_sha256 VARCHAR, status VARCHAR,
    roster_version_before VARCHAR, gate_answer VARCHAR, approved_by VARCHAR, approved_at TIMESTAMP,
    counts JSON, applied_at TIMESTAMP, gate_plan_id VARCHAR, gate_opened_at TIMESTAMP, gate_link VARCHAR);
-- Files made before these columns were part of the table:
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS gate_plan_id VARCHAR;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS gate_opened_at TIMESTAMP;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS gate_link VARCHAR;

CREATE TABLE IF NOT EXISTS change_log (
    run_id VARCHAR, seq BIGINT, entity VARCHAR, key VARCHAR, op VARCHAR, before JSON, after JSON);
