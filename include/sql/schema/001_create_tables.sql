-- The whole store of one district: snapshot (per run), quality findings, the frozen plan.
-- Idempotent: safe on every connect.

CREATE TABLE IF NOT EXISTS snap_schools (run_id VARCHAR, school_sid VARCHAR, name VARCHAR);
CREATE TABLE IF NOT EXISTS snap_people (
    run_id VARCHAR, person_sid VARCHAR, role VARCHAR, given_name VARCHAR, family_name VARCHAR,
    email VARCHAR, phone VARCHAR, birth_date VARCHAR, grade VARCHAR, student_number VARCHAR);
CREATE TABLE IF NOT EXISTS snap_school_people (run_id VARCHAR, school_sid VARCHAR, person_sid VARCHAR);
CREATE TABLE IF NOT EXISTS snap_classes (
    run_id VARCHAR, class_sid VARCHAR, school_sid VARCHAR, name VARCHAR, term VARCHAR,
    period VARCHAR, subject VARCHAR, grade VARCHAR);
CREATE TABLE IF NOT EXISTS snap_memberships (
    run_id VARCHAR, class_sid VARCHAR, person_sid VARCHAR, role VARCHAR, is_primary BOOLEAN);
CREATE TABLE IF NOT EXISTS snap_guardianships (
    run_id VARCHAR, student_sid VARCHAR, guardian_sid VARCHAR, relationship VARCHAR, contact_type VARCHAR);

-- Record-level errors (the record is skipped) and alerts (reported only).
CREATE TABLE IF NOT EXISTS record_issues (
    run_id VARCHAR, code VARCHAR, severity VARCHAR, entity VARCHAR, key VARCHAR, school_sid VARCHAR);

-- The plan: every change a run would make, frozen with the roster version it was computed on.
CREATE TABLE IF NOT EXISTS plan_runs (
    run_id VARCHAR, roster_version VARCHAR, is_initial BOOLEAN, computed_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS plan_school_map (
    run_id VARCHAR, school_sid VARCHAR, school_id VARCHAR, selected BOOLEAN, mapped BOOLEAN);
CREATE TABLE IF NOT EXISTS plan_schools (run_id VARCHAR, op VARCHAR, school_id VARCHAR, name VARCHAR);
CREATE TABLE IF NOT EXISTS plan_accounts (
    run_id VARCHAR, op VARCHAR, person_sid VARCHAR, role VARCHAR, school_id VARCHAR,
    given_name VARCHAR, family_name VARCHAR, email VARCHAR, phone VARCHAR, grade VARCHAR);
CREATE TABLE IF NOT EXISTS plan_classes (
    run_id VARCHAR, op VARCHAR, class_sid VARCHAR, school_id VARCHAR, sis_name VARCHAR, term VARCHAR,
    period VARCHAR, subject VARCHAR, grade VARCHAR, status VARCHAR);
CREATE TABLE IF NOT EXISTS plan_memberships (
    run_id VARCHAR, op VARCHAR, class_sid VARCHAR, person_sid VARCHAR, role VARCHAR, school_id VARCHAR);
CREATE TABLE IF NOT EXISTS plan_holds (run_id VARCHAR, school_id VARCHAR, reason VARCHAR, detail VARCHAR);

-- The roster tables (what the app sees) and sync_runs/change_log: roster/duckdb.sql, or PostgreSQL.
