-- Each entity's hold thresholds (filled by the code from the district YAML), for insert_plan_holds.
CREATE OR REPLACE TEMP TABLE hold_thresholds (
    entity VARCHAR, removal_share DOUBLE, removal_min_count BIGINT, update_share DOUBLE,
    update_min_count BIGINT, addition_share DOUBLE, addition_min_count BIGINT);
