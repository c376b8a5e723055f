-- Fingerprint of what an incremental plan takes to be as the base run's apply left it (order-independent
-- XOR of row hashes, plus row counts): the memberships, the ids that name their classes, and what the
-- account diff compares: role, school, names, grade, and whether the account is deactivated. The app's
-- own writes are not in it: a claim (claimed_at, and status pending to active, which happens every day),
-- a class's app name, an account's email and phone (a sync never updates them). Each row's hash is
-- hashed again: DuckDB combines a row's column hashes by XOR with its last column, so two rows changing
-- that column alike would cancel.
SELECT concat_ws('-',
    (SELECT count(*) FROM memberships),
    (SELECT coalesce(bit_xor(hash(hash(class_id, account_id, role, status))), 0) FROM memberships),
    (SELECT count(*) FROM classes), (SELECT coalesce(bit_xor(hash(hash(class_id, class_sid, school_id))), 0) FROM classes),
    (SELECT count(*) FROM accounts),
    (SELECT coalesce(bit_xor(hash(hash(account_id, person_sid, status = 'deactivated', role, school_id, given_name, family_name, grade))), 0)
     FROM accounts));
