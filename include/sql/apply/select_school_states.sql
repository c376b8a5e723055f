SELECT school_id, state, reasons FROM school_state ORDER BY school_id;
