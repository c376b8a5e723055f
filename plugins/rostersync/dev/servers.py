"""Local stand-ins for a district's SFTP server and the mail relay, on 127.0.0.1 only (dev and tests).

`SftpServer`: asyncssh, one chrooted folder per district (the login is the district id).
`SmtpSink`: aiosmtpd; every message is kept in memory and saved as an .eml file.
Both run in a background thread and stop with `stop()` (or as context managers).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import ssl
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncssh
from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


class _SftpAuth(asyncssh.SSHServer):
    def __init__(self, passwords: dict[str, str]):
        self.passwords = passwords

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self.passwords.get(username) == password


class SftpServer:
    """An SFTP server whose user `<district>` sees only `root/<district>/`."""

    def __init__(self, root: Path, passwords: dict[str, str], port: int = 0, host_key: Path | None = None):
        self.root = root
        self.passwords = passwords
        self.port = port
        self.host_key = host_key
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sftp-server", daemon=True)
        self._server: Any = None

    def start(self) -> SftpServer:
        for user in self.passwords:
            (self.root / user).mkdir(parents=True, exist_ok=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _listen(self) -> Any:
        if self.host_key is not None and self.host_key.exists():
            key = asyncssh.read_private_key(str(self.host_key))
        else:
            key = asyncssh.generate_private_key("ssh-ed25519")
            if self.host_key is not None:
                self.host_key.parent.mkdir(parents=True, exist_ok=True)
                key.write_private_key(str(self.host_key))

        def sftp_factory(chan: Any) -> asyncssh.SFTPServer:
            user = chan.get_extra_info("username")
            return asyncssh.SFTPServer(chan, chroot=os.fsencode(self.root / user))

        return await asyncssh.listen(
            LOOPBACK,
            self.port,
            server_host_keys=[key],
            server_factory=lambda: _SftpAuth(self.passwords),
            sftp_factory=sftp_factory,
            allow_scp=False,
        )

    def stop(self) -> None:
        if self._server is not None:
            # On the loop's own thread: asyncio servers are not thread-safe, and closing one from here
            # raced with the loop ("'NoneType' object is not iterable" in Server._wakeup).
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
            self._server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _close(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    def __enter__(self) -> SftpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _KeepMessages:
    def __init__(self, folder: Path | None, refuse: frozenset[str] = frozenset()):
        self.folder = folder
        self.refuse = refuse
        self.fail_at_quit = False
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> Any:
        if self.fail_at_quit:  # a server that accepted the message, then fails the session's end
            return "421 4.3.2 Service shutting down"
        from aiosmtpd.smtp import MISSING

        return MISSING

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.messages):05d}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server that accepts everything (but the `refuse` addresses) and delivers nothing.

    With `tls` (a server SSLContext) it offers STARTTLS, or speaks TLS from the start with `implicit_tls`;
    it then accepts any login and keeps the user names it was sent in `logins` (tests check who got one).
    With `fail_at_quit` it accepts each message, then answers QUIT with an error."""

    def __init__(
        self,
        folder: Path | None = None,
        port: int = 0,
        refuse: tuple[str, ...] = (),
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        fail_at_quit: bool = False,
    ):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # it logs every recipient address
        self.handler = _KeepMessages(folder, frozenset(a.lower() for a in refuse))
        self.handler.fail_at_quit = fail_at_quit
        self.logins: list[str] = []
        options: dict[str, Any] = {}
        if tls is not None:
            # aiosmtpd only counts STARTTLS as TLS for AUTH; an SMTPS connection is TLS from its first byte.
            options = {"authenticator": self._authenticate, "auth_require_tls": not implicit_tls}
            options |= {"ssl_context": tls} if implicit_tls else {"tls_context": tls}
        self.controller = Controller(self.handler, hostname=LOOPBACK, port=port or _free_port(), **options)
        self.port = self.controller.port

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        login = getattr(auth_data, "login", b"") or b""
        self.logins.append(login.decode() if isinstance(login, bytes) else str(login))
        return AuthResult(success=True)

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.handler.messages)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]
