-- A district's roster, read-only, beside the in-memory preview store ($path).
ATTACH $path AS live (READ_ONLY);
