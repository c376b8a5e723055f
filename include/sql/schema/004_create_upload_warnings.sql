-- "No upload for 80 days" warnings sent, one per upload (its sha256), so the admins hear it once.
CREATE TABLE IF NOT EXISTS upload_warnings (upload_sha256 VARCHAR, age_days DOUBLE, run_id VARCHAR, warned_at TIMESTAMP);
