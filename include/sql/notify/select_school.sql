SELECT s.school_id, s.name, st.state FROM schools s LEFT JOIN school_state st USING (school_id)
WHERE s.school_id = $school_id;
