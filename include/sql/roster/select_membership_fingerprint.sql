-- Fingerprint of what a plan's membership diff reads of the roster (order-independent XOR of row hashes,
-- plus row counts): the memberships, and the ids that name their classes and accounts. The app's own
-- columns (a claim, a class's app name) are not in it. Each row's hash is hashed again: DuckDB combines a
-- row's column hashes by XOR with its last column, so two rows changing that column alike would cancel.
SELECT concat_ws('-',
    (SELECT count(*) FROM memberships),
    (SELECT coalesce(bit_xor(hash(hash(class_id, account_id, role, status))), 0) FROM memberships),
    (SELECT count(*) FROM classes), (SELECT coalesce(bit_xor(hash(hash(class_id, class_sid, school_id))), 0) FROM classes),
    (SELECT count(*) FROM accounts), (SELECT coalesce(bit_xor(hash(hash(account_id, person_sid))), 0) FROM accounts));
