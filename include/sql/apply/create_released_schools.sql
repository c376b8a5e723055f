-- The schools whose plan rows this apply applies (filled by apply/insert_released_schools).
CREATE OR REPLACE TEMP TABLE released_schools (school_id VARCHAR);
