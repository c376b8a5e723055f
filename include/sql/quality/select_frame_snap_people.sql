-- People as the suite sees them: whether they have the names their role needs (a guardian: any one
-- name; everyone else: given and family name), a student's age from the birth date (NULL when there
-- is none or it cannot be read), and whether a given birth date reads as a date at all.
SELECT *,
       CASE WHEN role = 'guardian' THEN given_name IS NOT NULL OR family_name IS NOT NULL
            ELSE given_name IS NOT NULL AND family_name IS NOT NULL END AS has_required_names,
       CASE WHEN role = 'student' THEN date_diff('year', try_cast(birth_date AS DATE), current_date) END
           AS student_age_years,
       birth_date IS NULL OR try_cast(birth_date AS DATE) IS NOT NULL AS birth_date_readable
FROM sample
