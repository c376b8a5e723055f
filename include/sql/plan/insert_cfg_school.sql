INSERT INTO cfg_schools VALUES (?, ?, ?);
