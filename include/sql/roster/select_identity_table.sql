-- PostgreSQL (psycopg): whether the district's identity table exists (NULL if not; no lock taken).
SELECT to_regclass(%(table)s)
