-- Welcome emails sent to accounts (notify_accounts): one row per account and kind, so none is sent twice.
CREATE TABLE IF NOT EXISTS account_notifications (
    account_id BIGINT, kind VARCHAR, run_id VARCHAR, notified_at TIMESTAMP);
