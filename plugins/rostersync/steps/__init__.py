"""One module per DAG task, each a short function over a `Run` returning a small dataclass (the DAG turns
it into XCom). Steps call the domain modules; no domain module imports a step."""

from rostersync.steps import (
    apply_diff,
    approve,
    detect_holds,
    expectations,
    format_check,
    land_files,
    normalize,
    notify,
    notify_accounts,
    outcome,
    remind_approvers,
)

__all__ = [
    "apply_diff",
    "approve",
    "detect_holds",
    "expectations",
    "format_check",
    "land_files",
    "normalize",
    "notify",
    "notify_accounts",
    "outcome",
    "remind_approvers",
]
