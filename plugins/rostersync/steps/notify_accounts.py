"""notify_accounts: welcome emails to the new accounts of one school, teachers first, never twice."""

from __future__ import annotations

from rostersync import welcome
from rostersync.run import Run


def notify_accounts(run: Run, school_id: str, roles: list[str]) -> welcome.WelcomeResult:
    """Accounts without a usable email are listed in the run's reports folder, not failed."""
    if run.smtp is None:
        raise ValueError("notify_accounts needs the SMTP connection")
    with run.store() as conn:
        return welcome.send_welcomes(
            conn,
            run.smtp,
            district=run.config.name,
            school_id=school_id,
            roles=roles,
            run_id=run.run_id,
            report_folder=run.reports,
            app_url=run.config.app_url,
        )
