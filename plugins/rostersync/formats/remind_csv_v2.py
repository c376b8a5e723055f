"""Remind CSV 2.0: five required files and an optional relationships.csv (see shared/domain.md).

Columns the sync needs are `needed`; the others are used when present (phone, date_of_birth, grade,
student_number, a class's name, term and period, an enrollment's primary, a relationship's type).
"""

from rostersync.formats import FileSpec, Format

FORMAT = Format(
    name="remind_csv_v2",
    title="Remind CSV 2.0",
    normalize_sql=("normalize/remind_csv_v2/insert_snapshot",),
    files=(
        FileSpec(
            "schools.csv",
            ("school_id", "school_name"),
            id_columns=("school_id",),
            unique_key=("school_id",),
            max_lengths={"school_name": 60},
            needed=("school_id",),
        ),
        FileSpec(
            "users.csv",
            (
                "user_id",
                "role",
                "first_name",
                "last_name",
                "email",
                "phone",
                "date_of_birth",
                "grade",
                "student_number",
            ),
            id_columns=("user_id", "role"),
            unique_key=("user_id",),
            enums={"role": ("teacher", "student", "parent", "admin")},
            needed=("user_id", "role", "first_name", "last_name"),
        ),
        FileSpec(
            "school_enrollments.csv",
            ("school_id", "user_id"),
            id_columns=("school_id", "user_id"),
            unique_key=("school_id", "user_id"),
        ),
        FileSpec(
            "classes.csv",
            ("class_id", "school_id", "class_name", "term", "period"),
            id_columns=("class_id", "school_id"),
            unique_key=("class_id",),
            max_lengths={"class_name": 255},
            needed=("class_id", "school_id"),
        ),
        FileSpec(
            "class_enrollments.csv",
            ("class_id", "user_id", "role", "primary"),
            id_columns=("class_id", "user_id", "role"),
            unique_key=("class_id", "user_id"),
            enums={"role": ("teacher", "student"), "primary": ("true", "false")},
            needed=("class_id", "user_id", "role"),
        ),
        FileSpec(
            "relationships.csv",
            ("student_id", "parent_id", "relationship", "contact_type"),
            required=False,
            id_columns=("student_id", "parent_id"),
            unique_key=("student_id", "parent_id"),
            enums={"contact_type": ("guardian", "emergency", "other")},
            needed=("student_id", "parent_id"),
        ),
    ),
)
