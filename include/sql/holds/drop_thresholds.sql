DROP TABLE hold_thresholds;
