DROP TABLE cfg_schools;
