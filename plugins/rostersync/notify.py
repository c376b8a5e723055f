"""Notifications: emails rendered from include/templates (subject, text and HTML), sent over SMTP.

The SMTP server comes from an Airflow connection (`smtp_settings`); rendering and sending are plain
Python, so tests send to a real aiosmtpd sink without a scheduler.
"""

from __future__ import annotations

import email.policy
import ipaddress
import logging
import smtplib
import socket
import ssl as tls
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2

from rostersync import store
from rostersync.errors import RosterSyncError

log = logging.getLogger(__name__)


class InsecureSmtp(RosterSyncError):
    """An SMTP setting that would send the login, or the mail, where it could be read or redirected."""

    code = "R030"


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
    verify: bool = True
    """Check the server's certificate and name (the SMTP provider's ssl_context "default"). Only the
    connection extra ssl_context "none" turns it off, and every connection then logs a warning."""
    ca_file: str | None = None
    """A PEM file of the CA to trust (a private mail relay), instead of the system's CAs."""

    def tls_context(self) -> tls.SSLContext:
        if not self.verify:
            log.warning("SMTP %s:%s: TLS certificate NOT verified (ssl_context none)", self.host, self.port)
            context = tls.create_default_context()
            context.check_hostname = False
            context.verify_mode = tls.CERT_NONE
            return context
        return tls.create_default_context(cafile=self.ca_file)


def smtp_settings(conn_id: str) -> SmtpSettings:
    """Settings from an Airflow SMTP connection, extras as the SMTP provider reads them (disable_tls,
    disable_ssl, from_email, timeout, ssl_context "default" or "none"), plus ca_file for a private CA."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson
    context = extra.get("ssl_context") or "default"
    if context not in ("default", "none"):
        raise InsecureSmtp(f"connection {conn_id}: extra ssl_context must be 'default' or 'none', not {context!r}")
    return SmtpSettings(
        host=conn.host or "localhost",
        port=int(conn.port or 25),
        from_email=extra.get("from_email") or conn.login or "rostersync@localhost",
        login=conn.login or "",
        password=conn.password or "",
        starttls=not extra.get("disable_tls", False),
        ssl=not extra.get("disable_ssl", False),
        timeout=int(extra.get("timeout", 30)),
        verify=context == "default",
        ca_file=extra.get("ca_file") or None,
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


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


@contextmanager
def connect(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """One SMTP session (logged in when the connection has credentials), for one or many emails.

    TLS verifies the server's certificate and name; a login is only ever sent over TLS (or to this
    machine's own loopback relay)."""
    encrypted = settings.ssl or settings.starttls
    if settings.login and not encrypted and not _loopback(settings.host):
        raise InsecureSmtp(f"SMTP {settings.host}:{settings.port}: will not send the login over a plain connection")
    client: smtplib.SMTP
    if settings.ssl:
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=settings.tls_context()
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls and not settings.ssl:
            client.starttls(context=settings.tls_context())
        if settings.login and settings.password:
            client.login(settings.login, settings.password)
        yield client


class SentButUnconfirmed(RosterSyncError):
    """The server accepted the message, then failed the end of the session: the email went out."""

    code = "R031"


def send(settings: SmtpSettings, email: Email) -> None:
    """Send one email; SentButUnconfirmed when the server failed only after accepting it."""
    accepted = False
    try:
        with connect(settings) as client:
            client.send_message(message(settings, email))
            accepted = True
    except (smtplib.SMTPException, OSError) as error:
        if accepted:
            raise SentButUnconfirmed(f"accepted, then: {type(error).__name__}") from None
        raise
