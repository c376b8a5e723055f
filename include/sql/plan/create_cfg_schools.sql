CREATE OR REPLACE TEMP TABLE cfg_schools (school_sid VARCHAR, roster_id VARCHAR, selected BOOLEAN);
