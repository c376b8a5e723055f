"""TLS is verified and secrets stay home: the SMTP login goes only to a server whose certificate and name
check out, and the Clever token only to the configured API origin."""

from __future__ import annotations

import ssl

import pytest
from rostersync import notify
from rostersync.dev.servers import SmtpSink
from tls_certs import Authority

LOGIN = "rostersync-mailer"


def settings(port: int, ca_file, **overrides) -> notify.SmtpSettings:
    base = dict(
        host="127.0.0.1",
        port=port,
        from_email="r@example.org",
        login=LOGIN,
        password="s3cret",
        starttls=True,
        ssl=False,
        ca_file=str(ca_file) if ca_file else None,
    )
    return notify.SmtpSettings(**(base | overrides))


def email() -> notify.Email:
    return notify.Email(to=["admin@example.org"], subject="hello", text="hi", html="<p>hi</p>")


@pytest.fixture
def authority(tmp_path):
    return Authority(tmp_path / "ca")


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_a_server_with_a_trusted_certificate_for_its_name_gets_the_mail(authority, implicit):
    with SmtpSink(tls=authority.server_context("127.0.0.1"), implicit_tls=implicit) as sink:
        notify.send(settings(sink.port, authority.ca_file, starttls=not implicit, ssl=implicit), email())
    assert len(sink.messages) == 1 and sink.logins == [LOGIN]


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_a_certificate_for_another_name_is_refused_before_the_login(authority, implicit):
    with SmtpSink(tls=authority.server_context("mail.other.example"), implicit_tls=implicit) as sink:
        with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch|doesn't match"):
            notify.send(settings(sink.port, authority.ca_file, starttls=not implicit, ssl=implicit), email())
    assert sink.logins == [] and sink.messages == []


def test_a_certificate_from_an_untrusted_authority_is_refused(authority, tmp_path):
    impostor = Authority(tmp_path / "impostor")
    with SmtpSink(tls=impostor.server_context("127.0.0.1")) as sink:
        with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
            notify.send(settings(sink.port, authority.ca_file), email())
    assert sink.logins == []


def test_without_a_ca_file_the_system_authorities_decide(authority):
    """The private CA is trusted only when the connection names it: by default the system's CAs are used."""
    with SmtpSink(tls=authority.server_context("127.0.0.1")) as sink:
        with pytest.raises(ssl.SSLCertVerificationError):
            notify.send(settings(sink.port, None), email())
    assert sink.logins == []


def test_a_login_is_never_sent_over_a_plain_connection_to_another_host():
    plain = settings(25, None, starttls=False, ssl=False, host="mail.example.org")
    with pytest.raises(notify.InsecureSmtp, match="will not send the login over a plain connection"):
        notify.send(plain, email())


def test_turning_verification_off_is_explicit_and_logged(authority, caplog):
    with SmtpSink(tls=authority.server_context("mail.other.example")) as sink:
        notify.send(settings(sink.port, None, verify=False), email())
    assert len(sink.messages) == 1
    assert "TLS certificate NOT verified" in caplog.text


def test_the_connection_extras_are_read_as_the_smtp_provider_reads_them(monkeypatch, authority):
    import json

    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_TLS_TEST",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "mail.example.org",
                "port": 587,
                "login": LOGIN,
                "password": "x",
                "extra": {"disable_ssl": True, "ca_file": str(authority.ca_file)},
            }
        ),
    )
    read = notify.smtp_settings("smtp_tls_test")
    assert (read.starttls, read.ssl, read.verify, read.ca_file) == (True, False, True, str(authority.ca_file))
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_TLS_TEST",
        json.dumps({"conn_type": "smtp", "host": "h", "extra": {"ssl_context": "maybe"}}),
    )
    with pytest.raises(notify.InsecureSmtp, match="ssl_context must be"):
        notify.smtp_settings("smtp_tls_test")


# The Clever token stays with the configured API.


@pytest.fixture
def clever_servers():
    from rostersync.dev.clever_server import CleverServer
    from test_formats import FIXTURES

    sample = FIXTURES / "clever-demo-district"
    with CleverServer(sample, "district-token") as api, CleverServer(sample, "district-token") as elsewhere:
        yield api, elsewhere


@pytest.mark.parametrize(
    "link",
    [
        "{other}/v3.0/users?limit=100&starting_after=x",  # another host (here: another port)
        "//127.0.0.2:{port}/v3.0/users?starting_after=x",  # scheme-relative, another address
        "{api}/v3.0/../v2.0/users",  # the API's host, another endpoint
        "/v3.0/sections?starting_after=x",  # another object's pages
    ],
)
def test_a_next_link_off_the_api_is_not_followed(clever_servers, tmp_path, link):
    from rostersync import clever

    api, elsewhere = clever_servers
    api.next_link = lambda obj, following: link.format(other=elsewhere.url, port=elsewhere.port, api=api.url)
    with pytest.raises(clever.CleverError, match="not followed"):
        clever.pull(api.url, "district-token", tmp_path, page_size=100)
    assert elsewhere.requests == []
    assert api.requests == ["/v3.0/schools"]


def test_the_same_page_link_twice_stops_the_pull(clever_servers, tmp_path):
    from rostersync import clever

    api, _ = clever_servers
    api.next_link = lambda obj, following: f"/v3.0/{obj}?limit=100&starting_after=0"
    with pytest.raises(clever.CleverError, match="same page link twice"):
        clever.pull(api.url, "district-token", tmp_path, page_size=100)
    assert len(api.requests) == 2


def test_a_day_long_retry_after_is_capped_and_the_waiting_bounded(clever_servers, tmp_path):
    from rostersync import clever

    api, _ = clever_servers
    api.retry_after = "86400"
    api.faults = [429] * 20
    waits: list[float] = []
    with pytest.raises(clever.CleverError, match="gave up after 900 s of waiting"):
        clever.pull(api.url, "district-token", tmp_path, max_retries=10, sleep=waits.append, max_wait_seconds=900)
    assert waits == [clever.MAX_RETRY_AFTER] * 3
