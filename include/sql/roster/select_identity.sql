-- PostgreSQL: the id of the store (its DuckDB working file) the district's schema was created for.
SELECT store_id FROM {schema}.store_identity
