"""Remind CSV 1.0: five files; students.csv has one row per student-guardian pair (see shared/domain.md).

Guardians have no id of their own: normalize derives a stable key from their normalised contact
(email, else phone digits, else name and student), so one guardian shared by siblings is one person.
"""

from rostersync.formats import FileSpec, Format

FORMAT = Format(
    name="remind_csv_v1",
    title="Remind CSV 1.0",
    normalize_sql=("normalize/remind_csv_v1/insert_snapshot",),
    files=(
        FileSpec(
            "schools.csv",
            ("school_id", "school_name"),
            id_columns=("school_id",),
            unique_key=("school_id",),
            needed=("school_id",),
        ),
        FileSpec(
            "teachers.csv",
            ("teacher_id", "school_id", "first_name", "last_name", "email", "phone"),
            id_columns=("teacher_id", "school_id"),
            unique_key=("teacher_id",),
            needed=("teacher_id", "school_id", "first_name", "last_name"),
        ),
        FileSpec(
            "students.csv",
            (
                "student_id",
                "school_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "date_of_birth",
                "grade",
                "guardian_first_name",
                "guardian_last_name",
                "guardian_email",
                "guardian_phone",
                "guardian_relationship",
            ),
            id_columns=("student_id", "school_id"),
            unique_key=("student_id", "guardian_email", "guardian_phone", "guardian_first_name", "guardian_last_name"),
            needed=("student_id", "school_id", "first_name", "last_name"),
        ),
        FileSpec(
            "classes.csv",
            ("class_id", "school_id", "class_name", "teacher_id"),
            id_columns=("class_id", "school_id"),
            unique_key=("class_id",),
            needed=("class_id", "school_id"),
        ),
        FileSpec(
            "enrollments.csv",
            ("class_id", "student_id"),
            id_columns=("class_id", "student_id"),
            unique_key=("class_id", "student_id"),
        ),
    ),
)
