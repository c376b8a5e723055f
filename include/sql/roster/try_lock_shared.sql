-- PostgreSQL (psycopg): take the district's advisory lock shared (a reader) for this session if free.
SELECT pg_try_advisory_lock_shared(%(space)s, hashtext(%(district)s))
