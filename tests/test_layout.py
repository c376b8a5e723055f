"""The layout holds: imports go one way, no module leans on more than six siblings, every statement is in
include/sql/, and the DAG runs the gates in the pipeline's order."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "plugins" / "rostersync"
REPO = PACKAGE.parents[1]
DOMAIN = sorted(p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__", "operators", "run"))


def runtime_imports(path: Path) -> set[str]:
    """The rostersync modules `path` imports at run time (imports under `if TYPE_CHECKING:` are types only)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rostersync"):
            parts = node.module.split(".")
            if len(parts) >= 2:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("rostersync."))
    return found - {path.stem}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_module_imports_more_than_six_siblings(path):
    siblings = runtime_imports(path)
    assert len(siblings) <= 6, f"{path.name} imports {sorted(siblings)}"


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: p.name)
def test_domain_modules_import_no_step_web_or_airflow(path):
    text = path.read_text()
    assert not {"steps", "operators", "run", "web"} & runtime_imports(path), path.name
    assert not re.search(r"^\s*(from|import) airflow", text, re.MULTILINE) or path.stem == "notify", path.name


def test_notify_reads_airflow_only_for_its_connection():
    lines = [
        line for line in (PACKAGE / "notify.py").read_text().splitlines() if "airflow" in line and "import" in line
    ]
    assert lines == ["    from airflow.sdk import BaseHook"]


def test_no_sql_is_built_from_python_strings():
    sources = [*PACKAGE.rglob("*.py"), *(REPO / "dags").glob("*.py")]
    offending = [
        f"{p.name}: {line.strip()}"
        for p in sources
        for line in p.read_text().splitlines()
        if re.search(r"execute\(f[\"']|\.format\(", line) and "DOC.format" not in line
    ]
    assert offending == []


def test_the_dag_runs_the_gates_in_the_pipelines_order(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from conftest import district_yaml
    from rostersync.pipeline import ORDER

    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "alpha")
    dag = DagBag(dag_folder=str(REPO / "dags" / "district_sync.py")).dags["roster_sync__alpha"]
    gates = tuple(t.task_id for t in dag.topological_sort())
    assert gates == ORDER


def test_the_readme_lists_every_code_of_the_catalogue_with_its_fix():
    from rostersync.errors import catalogue_markdown

    readme = (REPO / "README.md").read_text()
    start = readme.index("<!-- catalogue: python -m rostersync.errors -->\n") + len(
        "<!-- catalogue: python -m rostersync.errors -->\n"
    )
    assert readme[start : readme.index("<!-- end catalogue -->")] == catalogue_markdown()


def test_templates_read_dict_keys_that_are_method_names_by_subscript():
    """In Jinja, `c.update` of a dict is its update method, printed as "<built-in method ...>": the counts'
    keys create/update/remove are read as c["update"]."""
    import re

    for template in sorted((REPO / "include" / "templates").glob("*.j2")):
        method_as_key = r"\b\w+\.(update|items|keys|values|pop|copy|clear|get)\b(?!\s*\()"  # not a call
        found = re.findall(method_as_key, template.read_text())
        assert not found, f"{template.name}: {found}"
