"""OneRoster 1.1 and 1.2 CSV (1EdTech): manifest.csv first, then the rostering files, bulk or delta.

Only orgs of type school become schools; agentSourcedIds link students and their parents/guardians
(in either direction); an enrollment repeated once per term is one membership, current while its dates
include the run's data date. Extension columns (`metadata.*`, `ext_*`) are accepted and ignored. A
delta file touches only what it names (its tobedeleted rows remove); the normalize SQL carries the rest
from the last applied snapshot.

Each file says which columns the sync needs (`needed`: a missing one is F004), which it never reads
(`ignored`), and uses the rest if present (a missing one is alert A302). Real exporters leave out
columns the spec lists; the sync asks only for what it reads.
"""

from rostersync.formats import LIST_MAX_LENGTH, FileSpec, Format

STATUS = ("active", "tobedeleted", "inactive")
"""`inactive` is OneRoster 1.0's: read as tobedeleted in a delta file, left out of a bulk one (A303)."""
BOOLEAN = ("true", "false")
ORG_TYPES = ("department", "school", "district", "local", "state", "national")
COMMON = ("sourcedId", "status", "dateLastModified")
LISTS = {
    c: LIST_MAX_LENGTH
    for c in (
        "orgSourcedIds",
        "agentSourcedIds",
        "termSourcedIds",
        "grades",
        "subjects",
        "subjectCodes",
        "periods",
        "userIds",
    )
}
"""Columns holding comma-separated lists: longer limits."""

MANIFEST = FileSpec(
    "manifest.csv", ("propertyName", "value"), id_columns=("propertyName",), unique_key=("propertyName",)
)
ORGS = FileSpec(
    "orgs.csv",
    (*COMMON, "name", "type", "identifier", "parentSourcedId"),
    id_columns=("sourcedId", "type"),
    unique_key=("sourcedId",),
    enums={"type": ORG_TYPES, "status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId", "type"),
    ignored=("dateLastModified", "identifier", "parentSourcedId"),
)
SESSIONS = FileSpec(
    "academicSessions.csv",
    (*COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    required=False,
    id_columns=("sourcedId",),
    unique_key=("sourcedId",),
    enums={"status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId",),
    ignored=("dateLastModified", "title", "type", "startDate", "parentSourcedId", "schoolYear"),
)
"""Used for terms: a class whose every term ended before the data date is archived."""
COURSES = FileSpec(
    "courses.csv",
    (*COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    required=False,
    id_columns=("sourcedId",),
    unique_key=("sourcedId",),
    enums={"status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId",),
    ignored=(
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
)
"""Read by no gate: a class takes its title from classes.csv."""
CLASSES = FileSpec(
    "classes.csv",
    (
        *COMMON,
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    id_columns=("sourcedId", "schoolSourcedId"),
    unique_key=("sourcedId",),
    enums={"classType": ("homeroom", "scheduled"), "status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId", "schoolSourcedId"),
    ignored=("dateLastModified", "courseSourcedId", "classCode", "classType", "location", "subjectCodes"),
)
ENROLLMENTS = FileSpec(
    "enrollments.csv",
    (*COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"),
    id_columns=("sourcedId", "classSourcedId", "userSourcedId", "role"),
    unique_key=("sourcedId",),
    enums={"role": ("administrator", "proctor", "student", "teacher"), "primary": BOOLEAN, "status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId", "classSourcedId", "userSourcedId", "role"),
    ignored=("dateLastModified", "schoolSourcedId"),
)
DEMOGRAPHICS = FileSpec(
    "demographics.csv",
    (*COMMON, "birthDate", "sex"),
    required=False,
    id_columns=("sourcedId",),
    unique_key=("sourcedId",),
    enums={"status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId",),
    ignored=("dateLastModified", "sex"),
)


def _files(users: FileSpec, extra: tuple[FileSpec, ...] = ()) -> tuple[FileSpec, ...]:
    return (MANIFEST, ORGS, SESSIONS, COURSES, CLASSES, users, ENROLLMENTS, DEMOGRAPHICS, *extra)


PERSON = (
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
)
"""The person columns users.csv has in both versions."""
PERSON_IGNORED = ("dateLastModified", "username", "userIds", "middleName", "password")
"""Never read (a password above all: it is never stored)."""

USERS_1_1 = FileSpec(
    "users.csv",
    (*COMMON, "enabledUser", "orgSourcedIds", "role", *PERSON),
    id_columns=("sourcedId", "role"),
    unique_key=("sourcedId",),
    enums={
        "role": ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"),
        "enabledUser": BOOLEAN,
        "status": STATUS,
    },
    max_lengths=LISTS,
    needed=("sourcedId", "role", "orgSourcedIds", "givenName", "familyName"),
    ignored=PERSON_IGNORED,
)

USERS_1_2 = FileSpec(
    "users.csv",
    (
        *COMMON,
        "enabledUser",
        *PERSON,
        "userMasterIdentifier",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
    id_columns=("sourcedId",),
    unique_key=("sourcedId",),
    enums={"enabledUser": BOOLEAN, "status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId", "givenName", "familyName"),
    ignored=(
        *PERSON_IGNORED,
        "userMasterIdentifier",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
)

ROLES_1_2 = FileSpec(
    "roles.csv",
    (*COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"),
    id_columns=("sourcedId", "userSourcedId", "role", "orgSourcedId"),
    unique_key=("sourcedId",),
    enums={"roleType": ("primary", "secondary"), "status": STATUS},
    max_lengths=LISTS,
    needed=("sourcedId", "userSourcedId", "role", "orgSourcedId"),
    ignored=("dateLastModified", "beginDate", "endDate", "userProfileSourcedId"),
)

ONEROSTER_1_1 = Format(
    name="oneroster_v1_1",
    title="OneRoster 1.1 CSV",
    files=_files(USERS_1_1),
    normalize_sql=("normalize/oneroster_v1_1/create_users", "normalize/oneroster/insert_snapshot"),
    manifest_version="1.1",
)

ONEROSTER_1_2 = Format(
    name="oneroster_v1_2",
    title="OneRoster 1.2 CSV",
    files=_files(USERS_1_2, (ROLES_1_2,)),
    normalize_sql=("normalize/oneroster_v1_2/create_users", "normalize/oneroster/insert_snapshot"),
    manifest_version="1.2",
)
