-- Every connection: DuckDB's memory bound (it spills past it; $limit, checked by the code) and no
-- insertion order kept (faster, and no query of ours relies on it).
SET memory_limit = $limit;
SET preserve_insertion_order = false;
