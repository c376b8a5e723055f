"""The baseline: normalize + diff + apply the way a data engineer would write it with pandas.

read_csv, merge with indicator, compare columns, write the roster back (pickle files: no Parquet
engine is installed). Same files, same rules in spirit (accounts, classes, memberships incl. parents;
deactivate on removal). It lives here, never in the product.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ACCOUNT_FIELDS = ["role", "school_id", "given_name", "family_name", "grade"]
CLASS_FIELDS = ["school_id", "sis_name", "term", "period"]


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def normalize(folder: Path) -> dict[str, pd.DataFrame]:
    users = _read(folder, "users.csv")
    people = pd.DataFrame(
        {
            "person_sid": users["user_id"].str.strip(),
            "role": users["role"].str.strip().str.lower().replace({"parent": "guardian"}),
            "given_name": users["first_name"].str.strip(),
            "family_name": users["last_name"].str.strip(),
            "email": users["email"].str.strip().str.lower(),
            "phone": users["phone"].str.strip(),
            "grade": users["grade"].str.strip(),
        }
    )
    school_people = _read(folder, "school_enrollments.csv").rename(
        columns={"school_id": "school_sid", "user_id": "person_sid"}
    )
    classes = _read(folder, "classes.csv").rename(
        columns={"class_id": "class_sid", "school_id": "school_id", "class_name": "sis_name"}
    )
    memberships = _read(folder, "class_enrollments.csv").rename(
        columns={"class_id": "class_sid", "user_id": "person_sid"}
    )
    guardianships = _read(folder, "relationships.csv").rename(
        columns={"student_id": "student_sid", "parent_id": "guardian_sid"}
    )
    return {
        "people": people,
        "school_people": school_people,
        "classes": classes[["class_sid", "school_id", "sis_name", "term", "period"]],
        "memberships": memberships[["class_sid", "person_sid", "role"]],
        "guardianships": guardianships[["student_sid", "guardian_sid"]],
    }


def _empty_roster() -> dict[str, pd.DataFrame]:
    return {
        "accounts": pd.DataFrame(columns=["person_sid", "email", "phone", *ACCOUNT_FIELDS, "status"], dtype=str),
        "classes": pd.DataFrame(columns=["class_sid", *CLASS_FIELDS, "status"], dtype=str),
        "memberships": pd.DataFrame(columns=["class_sid", "person_sid", "role", "status"], dtype=str),
    }


def load_roster(folder: Path) -> dict[str, pd.DataFrame]:
    if not (folder / "accounts.pkl").exists():
        return _empty_roster()
    return {name: pd.read_pickle(folder / f"{name}.pkl") for name in ("accounts", "classes", "memberships")}


def _diff(wanted: pd.DataFrame, roster: pd.DataFrame, keys: list[str], fields: list[str], removed: str) -> dict:
    merged = wanted.merge(roster, on=keys, how="outer", suffixes=("", "_old"), indicator=True)
    creates = merged[merged["_merge"] == "left_only"]
    both = merged[merged["_merge"] == "both"]
    changed = pd.Series(False, index=both.index)
    for field in fields:
        changed |= both[field].fillna("") != both[f"{field}_old"].fillna("")
    changed |= both["status"] == removed
    updates = both[changed]
    removes = merged[(merged["_merge"] == "right_only") & (merged["status"] != removed)]
    return {"create": creates, "update": updates, "remove": removes}


def diff(snapshot: dict[str, pd.DataFrame], roster: dict[str, pd.DataFrame]) -> dict[str, dict]:
    people, school_people = snapshot["people"], snapshot["school_people"]
    first_school = school_people.groupby("person_sid", as_index=False)["school_sid"].min()
    guardian_school = (
        snapshot["guardianships"]
        .merge(first_school, left_on="student_sid", right_on="person_sid")
        .groupby("guardian_sid", as_index=False)["school_sid"]
        .min()
        .rename(columns={"guardian_sid": "person_sid"})
    )
    schools = pd.concat([first_school, guardian_school]).drop_duplicates("person_sid")
    accounts = people.merge(schools, on="person_sid").rename(columns={"school_sid": "school_id"})
    direct = snapshot["memberships"].assign(
        role=lambda m: m["role"].str.lower().map({"teacher": "owner", "student": "student"})
    )
    parents = (
        direct[direct["role"] == "student"]
        .merge(snapshot["guardianships"], left_on="person_sid", right_on="student_sid")
        .assign(person_sid=lambda m: m["guardian_sid"], role="parent")[["class_sid", "person_sid", "role"]]
    )
    memberships = pd.concat([direct, parents]).drop_duplicates(["class_sid", "person_sid"])
    return {
        "accounts": _diff(accounts, roster["accounts"], ["person_sid"], ACCOUNT_FIELDS, "deactivated"),
        "classes": _diff(snapshot["classes"], roster["classes"], ["class_sid"], CLASS_FIELDS, "archived"),
        "memberships": _diff(memberships, roster["memberships"], ["class_sid", "person_sid"], ["role"], "removed"),
    }


def apply(changes: dict[str, dict], roster: dict[str, pd.DataFrame], folder: Path) -> dict[str, dict[str, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    removed = {"accounts": "deactivated", "classes": "archived", "memberships": "removed"}
    keys = {"accounts": ["person_sid"], "classes": ["class_sid"], "memberships": ["class_sid", "person_sid"]}
    counts = {}
    for entity, change in changes.items():
        table = roster[entity].set_index(keys[entity])
        columns = list(table.columns)
        created = change["create"].assign(status="active").set_index(keys[entity])[columns]
        updated = change["update"].assign(status="active").set_index(keys[entity])[columns]
        if entity == "accounts":  # email and phone are never updated
            updated = updated.drop(columns=["email", "phone"])
        table.update(updated)
        gone = change["remove"].set_index(keys[entity]).index
        table.loc[gone, "status"] = removed[entity]
        table = pd.concat([table, created])
        table.reset_index().to_pickle(folder / f"{entity}.pkl")
        counts[entity] = {op: len(change[op]) for op in ("create", "update", "remove")}
    return counts
