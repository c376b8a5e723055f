-- Unqualified names resolve in the DuckDB file first (working tables, created there), then in the
-- attached roster schema ({path}): the roster tables exist only there.
SET search_path = {path}
