-- Every record of one Clever object's saved pages (plain or gzipped JSON) as one JSON value a row.
-- {table} is chosen by the code; $files lists the pages.
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT item->'data' AS rec, item->>'uri' AS uri
FROM (
    SELECT unnest(from_json(json->'data', '["JSON"]')) AS item
    FROM read_json_objects($files, format = 'auto', maximum_object_size = 134217728)
);
