-- The district's roster schema ({schema}) in the deployment's PostgreSQL ({url}), attached as {catalog}.
ATTACH IF NOT EXISTS {url} AS {catalog} (TYPE postgres, SCHEMA {schema}{mode})
