-- The whole store of one district: snapshot (per run), quality findings, the frozen plan,
-- the roster the app sees, and the run and change logs. Idempotent: safe on every connect.

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

-- The roster: what the app sees. Email and phone are written at creation only.
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
    counts JSON, applied_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS change_log (
    run_id VARCHAR, seq BIGINT, entity VARCHAR, key VARCHAR, op VARCHAR, before JSON, after JSON);
