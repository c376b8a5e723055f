SELECT school_id FROM schools ORDER BY school_id;
