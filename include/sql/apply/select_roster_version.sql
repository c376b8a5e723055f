-- Fingerprint of the roster: order-independent XOR of row hashes per table, plus row counts. Each row's
-- hash is hashed again: DuckDB combines a row's column hashes by XOR with its last column, so two rows
-- changing that column alike would cancel out.
SELECT concat_ws('-',
    (SELECT count(*) FROM accounts), (SELECT coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) FROM accounts),
    (SELECT count(*) FROM classes), (SELECT coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) FROM classes),
    (SELECT count(*) FROM memberships), (SELECT coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) FROM memberships),
    (SELECT count(*) FROM schools), (SELECT coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) FROM schools));
