-- Fingerprint of the roster: order-independent XOR of row hashes per table, plus row counts.
SELECT concat_ws('-',
    (SELECT count(*) FROM accounts), (SELECT coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM accounts),
    (SELECT count(*) FROM classes), (SELECT coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM classes),
    (SELECT count(*) FROM memberships), (SELECT coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM memberships),
    (SELECT count(*) FROM schools), (SELECT coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM schools));
