"""Notifications: emails rendered from include/templates (subject, text and HTML), sent over SMTP.

The SMTP server comes from an Airflow connection (`smtp_settings`); rendering and sending are plain
Python, so tests send to a real aiosmtpd sink without a scheduler.
"""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2

from rostersync import store


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    from_email: str
    login: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout: int = 30


def smtp_settings(conn_id: str) -> SmtpSettings:
    """Settings from an Airflow SMTP connection (extras as the SMTP provider reads them)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson
    return SmtpSettings(
        host=conn.host or "localhost",
        port=int(conn.port or 25),
        from_email=extra.get("from_email") or conn.login or "rostersync@localhost",
        login=conn.login or "",
        password=conn.password or "",
        starttls=not extra.get("disable_tls", False),
        ssl=not extra.get("disable_ssl", False),
        timeout=int(extra.get("timeout", 30)),
    )


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(store.TEMPLATES_DIR),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: tuple[Path, ...] = ()


def render(template: str, to: list[str], attachments: tuple[Path, ...] = (), **context: Any) -> Email:
    """Render `<template>.subject.j2`, `.txt.j2` and `.html.j2` with the same context."""
    subject = _env.get_template(f"{template}.subject.j2").render(**context).strip()
    return Email(
        to=to,
        subject=" ".join(subject.split()),
        text=_env.get_template(f"{template}.txt.j2").render(**context),
        html=_env.get_template(f"{template}.html.j2").render(**context),
        attachments=attachments,
    )


def render_page(template: str, **context: Any) -> str:
    """A whole page (a report), not an email."""
    return _env.get_template(template).render(**context)


_POLICY = email.policy.SMTP.clone(max_line_length=998)
"""CRLF line ends, and headers folded only past SMTP's line limit: at the default 78 Python folds a long
subject onto a line of its own, and a reader sees it with a leading space."""


def message(settings: SmtpSettings, email: Email) -> EmailMessage:
    built = EmailMessage(policy=_POLICY)
    built["Subject"] = email.subject
    built["From"] = settings.from_email
    built["To"] = ", ".join(email.to)
    built.set_content(email.text)
    built.add_alternative(email.html, subtype="html")
    for path in email.attachments:
        built.add_attachment(path.read_bytes(), maintype="text", subtype="csv", filename=path.name)
    return built


@contextmanager
def connect(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """One SMTP session (logged in when the connection has credentials), for one or many emails."""
    client_class = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    with client_class(settings.host, settings.port, timeout=settings.timeout) as client:
        if settings.starttls and not settings.ssl:
            client.starttls()
        if settings.login and settings.password:
            client.login(settings.login, settings.password)
        yield client


def send(settings: SmtpSettings, email: Email) -> None:
    with connect(settings) as client:
        client.send_message(message(settings, email))
