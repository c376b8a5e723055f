-- Fingerprint of what an incremental plan takes to be as the base run's apply left it (order-independent
-- XOR of row hashes, plus row counts): the memberships, the ids that name their classes, and the accounts'
-- columns the account diff compares. The app's own columns (a claim, a class's app name, an account's
-- email and phone, which a sync never updates) are not in it. Each row's hash is hashed again: DuckDB
-- combines a row's column hashes by XOR with its last column, so two rows changing that column alike
-- would cancel.
SELECT concat_ws('-',
    (SELECT count(*) FROM memberships),
    (SELECT coalesce(bit_xor(hash(hash(class_id, account_id, role, status))), 0) FROM memberships),
    (SELECT count(*) FROM classes), (SELECT coalesce(bit_xor(hash(hash(class_id, class_sid, school_id))), 0) FROM classes),
    (SELECT count(*) FROM accounts),
    (SELECT coalesce(bit_xor(hash(hash(account_id, person_sid, status, role, school_id, given_name, family_name, grade))), 0)
     FROM accounts));
