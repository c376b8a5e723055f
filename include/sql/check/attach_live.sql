-- A district's roster, read-only, beside the in-memory preview store ({path}, the code's path to the file).
ATTACH {path} AS live (READ_ONLY);
