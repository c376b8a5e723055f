-- PostgreSQL (psycopg parameters): take the district's advisory lock for this session if free.
SELECT pg_try_advisory_lock(%(space)s, hashtext(%(district)s))
