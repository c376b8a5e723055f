-- PostgreSQL (psycopg): one process at a time creates a district's schema (until its transaction ends),
-- and never waits long for a lock on the way.
SET LOCAL lock_timeout = '30s';
SELECT pg_advisory_xact_lock(%(space)s, 0)
