-- The roster's state, two values from one pass over each table (row counts and order-independent XORs of
-- row hashes). Each row's hash is hashed again: DuckDB combines a row's column hashes by XOR with its
-- last column, so two rows changing that column alike would cancel out.
--   version: everything the app sees; any change to the roster (sync or app) changes it.
--   memberships: what a plan's membership diff reads of the roster: the memberships, and the ids that
--     name their classes and accounts (not the app's own columns, a claim or a class's app name).
WITH a AS (
    SELECT count(*) AS n, coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) AS every,
           coalesce(bit_xor(hash(hash(account_id, person_sid))), 0) AS ids
    FROM accounts
), c AS (
    SELECT count(*) AS n, coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) AS every,
           coalesce(bit_xor(hash(hash(class_id, class_sid, school_id))), 0) AS ids
    FROM classes
), m AS (
    SELECT count(*) AS n, coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) AS every,
           coalesce(bit_xor(hash(hash(class_id, account_id, role, status))), 0) AS ids
    FROM memberships
), s AS (
    SELECT count(*) AS n, coalesce(bit_xor(hash(hash(*COLUMNS(*)))), 0) AS every FROM schools
)
SELECT concat_ws('-', a.n, a.every, c.n, c.every, m.n, m.every, s.n, s.every) AS version,
       concat_ws('-', m.n, m.ids, c.n, c.ids, a.n, a.ids) AS memberships
FROM a, c, m, s;
