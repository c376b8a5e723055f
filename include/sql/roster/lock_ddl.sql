-- PostgreSQL (psycopg): one process at a time creates schemas and tables (until its transaction ends).
SELECT pg_advisory_xact_lock(%(space)s, 0)
