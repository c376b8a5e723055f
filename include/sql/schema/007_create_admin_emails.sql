-- Each email to a district's admins, once per run and purpose: `sending` before the server is asked,
-- `sent` once it accepted. A rerun skips both (a `sending` left by a crash may have gone out).
CREATE TABLE IF NOT EXISTS admin_emails (run_id VARCHAR, purpose VARCHAR, status VARCHAR, recorded_at TIMESTAMP);
