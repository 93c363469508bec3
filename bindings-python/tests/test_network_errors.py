"""Network and TLS failures, typed by kind, through every transport: the core's built-in client,
``authwire.httpx.HttpxTransport`` and ``authwire.requests.RequestsTransport``.

The servers are real (``tests/scenarios/tls_servers.py``, fixture ``tls_servers``): a test CA
from ``trustme``, a server it signed, and servers whose certificate comes from another CA, has
expired, or names another host; a server that resets the connection mid-answer; a closed port;
a name in the ``.invalid`` domain; a plain-HTTP port spoken to in TLS; and, here, a proxy that
refuses every tunnel. Each transport trusts the CA the way a user would: the built-in client
through ``SSL_CERT_FILE`` (set by ``conftest.py`` before any client exists), httpx through
``verify=ssl.create_default_context(cafile=...)``, requests through ``session.verify``.

Each failure is checked for its kind (``AuthError.Network.kind``), whether it was retried (the
manager's ``token_requests``, and for TLS the server's count of accepted connections), the
time it took (``-s`` prints it; a kind that is not retried fails well before the first 400 ms
backoff), the message (the host and what to do, never the API key) and the listener's events.
"""

from __future__ import annotations

import json
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import httpx
import pytest
import requests

import authwire
from authwire import AuthEvent, NetworkErrorKind
from authwire.httpx import HttpxTransport
from authwire.requests import RequestsTransport

KEY = "tls-test-key-Vq93x"
ATTEMPTS = 3
TRANSPORTS = ["builtin", "httpx", "requests"]
Kind = NetworkErrorKind

NOT_RETRIED = {
    Kind.NAME_NOT_RESOLVED,
    Kind.CERTIFICATE_UNTRUSTED,
    Kind.CERTIFICATE_EXPIRED,
    Kind.CERTIFICATE_WRONG_NAME,
    Kind.CERTIFICATE_REVOKED,
    Kind.TLS_HANDSHAKE,
}


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def options(transport: str, ca_file: str, *, proxy: str | None = None, **overrides: Any) -> authwire.TokenOptions:
    """Options whose backoff (400 ms) would show in the time to fail, with the test CA
    trusted through the transport's own set-up (the built-in client: ``SSL_CERT_FILE``)."""
    values: dict[str, Any] = {
        "max_attempts": ATTEMPTS,
        "backoff_initial": 0.4,
        "backoff_max": 0.4,
        "request_timeout": 5.0,
        **overrides,
    }
    if transport == "httpx":
        values["transport"] = HttpxTransport(
            httpx.Client(verify=ssl.create_default_context(cafile=ca_file), proxy=proxy)
        )
    elif transport == "requests":
        session = requests.Session()
        session.verify = ca_file
        if proxy is not None:
            session.proxies = {"https": proxy}
        values["transport"] = RequestsTransport(session)
    else:
        assert proxy is None, "the built-in client takes its proxy from HTTPS_PROXY"
    return authwire.TokenOptions(**values)


def token_url(servers: dict[str, Any], name: str) -> str:
    return f"{servers[name]}/v1/token"


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def server_stats(servers: dict[str, Any], name: str) -> dict[str, int]:
    """What the server ``name`` has seen: ``accepts`` (TCP connections, failed handshakes
    included) and ``requests`` (complete HTTP requests)."""
    with urlopen(servers["stats"], timeout=10) as response:
        return dict(json.loads(response.read())[name])


@dataclass
class Failure:
    """What one failed ``authorization()`` looked like."""

    error: authwire.AuthError.Network
    took: float
    requests: int
    events: list[AuthEvent] = field(default_factory=list)

    @property
    def message(self) -> str:
        return str(self.error)

    def retrying_kinds(self) -> list[NetworkErrorKind | None]:
        return [e.network_kind for e in self.events if isinstance(e, AuthEvent.RefreshRetrying)]

    def failed_kinds(self) -> list[NetworkErrorKind | None]:
        return [e.network_kind for e in self.events if isinstance(e, AuthEvent.RefreshFailed)]


def fail(url: str, opts: authwire.TokenOptions, label: str) -> Failure:
    manager = authwire.TokenManager.api_key_exchange(url, authwire.ApiKey.from_encoded_key(KEY), options=opts)
    events: list[AuthEvent] = []
    manager.set_listener(events.append)
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.Network) as caught:
        manager.authorization()
    took = time.monotonic() - started
    failure = Failure(caught.value, took, manager.stats.token_requests, list(events))
    print(
        f"\n{label}: {failure.error.kind.name} after {failure.requests} attempt(s) in {took * 1000:.0f} ms: "
        f"{failure.message}"
    )
    return failure


def assert_not_retried(failure: Failure, kind: NetworkErrorKind) -> None:
    assert failure.error.kind is kind, failure.message
    assert isinstance(failure.error.kind, NetworkErrorKind)
    assert failure.error.kind.is_retried is False
    assert failure.requests == 1, "not retried"
    assert failure.retrying_kinds() == []
    assert failure.failed_kinds() == [kind]
    # Well under the first backoff (400 ms) plus a second attempt, which a retry would take.
    assert failure.took < 2.0, failure.took
    assert failure.message.startswith("network error: "), failure.message
    assert KEY not in failure.message and KEY not in repr(failure.error) and KEY not in repr(failure.events)


def assert_retried(failure: Failure, kind: NetworkErrorKind) -> None:
    assert failure.error.kind is kind, failure.message
    assert failure.error.kind.is_retried is True
    assert failure.requests == ATTEMPTS
    assert failure.retrying_kinds() == [kind] * (ATTEMPTS - 1)
    assert failure.failed_kinds() == [kind]
    assert failure.message.endswith("retry later"), failure.message
    assert KEY not in failure.message and KEY not in repr(failure.error) and KEY not in repr(failure.events)


# --- Certificates: refused at once, one handshake --------------------------------------------


def test_a_certificate_from_an_unknown_ca_fails_at_once_and_says_how_to_trust_it(
    tls_servers: dict[str, Any], transport: str
) -> None:
    before = server_stats(tls_servers, "untrusted")
    url = token_url(tls_servers, "untrusted")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} untrusted")
    assert_not_retried(failure, Kind.CERTIFICATE_UNTRUSTED)
    assert failure.message.startswith(
        f"network error: the TLS certificate of {host_of(url)} is not trusted (unknown issuer)"
    ), failure.message
    assert "add your organisation's CA to the system trust store or set SSL_CERT_FILE" in failure.message
    after = server_stats(tls_servers, "untrusted")
    assert after["accepts"] - before["accepts"] == 1, "one TLS handshake"
    assert after["requests"] == before["requests"], "nothing sent over an untrusted connection"


def test_an_expired_certificate_fails_at_once(tls_servers: dict[str, Any], transport: str) -> None:
    before = server_stats(tls_servers, "expired")
    url = token_url(tls_servers, "expired")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} expired")
    assert_not_retried(failure, Kind.CERTIFICATE_EXPIRED)
    assert failure.message.startswith(
        f"network error: the TLS certificate of {host_of(url)} has expired or is not yet valid"
    ), failure.message
    assert failure.message.endswith(
        "check this device's date and time; otherwise the server must renew its certificate"
    ), failure.message
    after = server_stats(tls_servers, "expired")
    assert (after["accepts"] - before["accepts"], after["requests"] - before["requests"]) == (1, 0)


def test_a_certificate_for_another_name_fails_at_once(tls_servers: dict[str, Any], transport: str) -> None:
    before = server_stats(tls_servers, "wrong_name")
    url = token_url(tls_servers, "wrong_name")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} wrong name")
    assert_not_retried(failure, Kind.CERTIFICATE_WRONG_NAME)
    assert failure.message.startswith(
        f"network error: the TLS certificate of {host_of(url)} was issued for another name"
    ), failure.message
    assert "check the host name in the URL" in failure.message
    after = server_stats(tls_servers, "wrong_name")
    assert (after["accepts"] - before["accepts"], after["requests"] - before["requests"]) == (1, 0)


def test_a_port_that_does_not_speak_tls_is_a_handshake_failure(tls_servers: dict[str, Any], transport: str) -> None:
    # The stats server speaks plain HTTP: its answer to a ClientHello is no TLS record.
    plain = urlsplit(tls_servers["stats"])
    url = f"https://{plain.netloc}/v1/token"
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} plain HTTP port")
    assert_not_retried(failure, Kind.TLS_HANDSHAKE)
    assert failure.message.startswith(f"network error: the TLS handshake with {plain.netloc} failed"), failure.message
    assert "check that the URL points to an HTTPS endpoint" in failure.message


def test_the_ca_trusted_through_the_transports_own_setup_gives_a_token(
    tls_servers: dict[str, Any], transport: str
) -> None:
    before = server_stats(tls_servers, "trusted")
    manager = authwire.TokenManager.api_key_exchange(
        token_url(tls_servers, "trusted"),
        authwire.ApiKey.from_encoded_key(KEY),
        options=options(transport, tls_servers["ca_file"]),
    )
    assert manager.authorization().startswith("Bearer tls-token-")
    assert manager.stats.token_requests == 1
    after = server_stats(tls_servers, "trusted")
    assert (after["accepts"] - before["accepts"], after["requests"] - before["requests"]) == (1, 1)


# --- Names, ports and connections ------------------------------------------------------------


def test_a_name_that_does_not_resolve_fails_at_once(tls_servers: dict[str, Any], transport: str) -> None:
    url = token_url(tls_servers, "not_resolving")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} .invalid name")
    assert_not_retried(failure, Kind.NAME_NOT_RESOLVED)
    assert failure.message.startswith("network error: no-such-host.invalid did not resolve (no such host name)"), (
        failure.message
    )
    assert failure.message.endswith("check the URL"), failure.message


def test_a_closed_port_is_retried_then_reported_as_refused(tls_servers: dict[str, Any], transport: str) -> None:
    url = token_url(tls_servers, "closed")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} closed port")
    assert_retried(failure, Kind.CONNECTION_REFUSED)
    assert failure.message.startswith(
        f"network error: could not connect to {tls_servers['closed']} (refused or unreachable)"
    ), failure.message
    assert "check that the server is up and the port is right" in failure.message
    assert server_stats(tls_servers, "closed") == {"accepts": 0, "requests": 0}


def test_a_connection_reset_mid_answer_is_retried_then_reported(tls_servers: dict[str, Any], transport: str) -> None:
    before = server_stats(tls_servers, "reset")
    url = token_url(tls_servers, "reset")
    failure = fail(url, options(transport, tls_servers["ca_file"]), f"{transport} reset mid-answer")
    assert_retried(failure, Kind.CONNECTION_RESET)
    assert failure.message.startswith(
        f"network error: the connection to {tls_servers['reset']} was reset before the answer was complete"
    ), failure.message
    after = server_stats(tls_servers, "reset")
    assert (after["accepts"] - before["accepts"], after["requests"] - before["requests"]) == (ATTEMPTS, ATTEMPTS)


# --- A proxy that refuses the tunnel (host transports; the built-in client reads HTTPS_PROXY) --


class _RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that answers every ``CONNECT`` with 403."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RefuseTunnel)
        self.connects: list[str] = []


class _RefuseTunnel(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request_line = self.rfile.readline(65536).decode("latin-1").strip()
        while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
            pass
        assert isinstance(self.server, _RefusingProxy)
        self.server.connects.append(request_line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def refusing_proxy() -> Iterator[_RefusingProxy]:
    proxy = _RefusingProxy()
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()
    thread.join(10)


@pytest.mark.parametrize("transport", ["httpx", "requests"])
def test_a_proxy_that_refuses_the_tunnel_is_retried_then_reported(
    tls_servers: dict[str, Any], transport: str, refusing_proxy: _RefusingProxy
) -> None:
    proxy_url = f"http://127.0.0.1:{refusing_proxy.server_address[1]}"
    url = token_url(tls_servers, "trusted")
    before = server_stats(tls_servers, "trusted")
    failure = fail(url, options(transport, tls_servers["ca_file"], proxy=proxy_url), f"{transport} proxy 403")
    assert_retried(failure, Kind.PROXY)
    assert failure.message.startswith(f"network error: the proxy failed the request to {tls_servers['trusted']}"), (
        failure.message
    )
    assert "check the proxy settings (HTTPS_PROXY, NO_PROXY)" in failure.message
    assert len(refusing_proxy.connects) == ATTEMPTS, refusing_proxy.connects
    assert all(line.startswith(f"CONNECT {host_of(url)} HTTP/1.") for line in refusing_proxy.connects)
    assert server_stats(tls_servers, "trusted")["accepts"] == before["accepts"], "nothing went around the proxy"


# --- The kinds themselves, and a transport of one's own ---------------------------------------


def test_is_retried_is_the_cores_answer_for_every_kind() -> None:
    assert {kind for kind in NetworkErrorKind if not kind.is_retried} == NOT_RETRIED
    for kind in NetworkErrorKind:
        assert kind.is_retried is (kind not in NOT_RETRIED)
        assert kind.is_retried is authwire._ffi.network_error_is_retried(kind)


class _Raising(authwire.BlockingHttpTransport):
    """A transport of one's own that always fails with ``HttpTransportError.Classified``."""

    def __init__(self, kind: NetworkErrorKind) -> None:
        self.kind = kind
        self.calls = 0

    def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
        self.calls += 1
        raise authwire.HttpTransportError.Classified(self.kind, "the client's own words")


@pytest.mark.parametrize("kind", list(NetworkErrorKind), ids=lambda kind: kind.name)
def test_a_classified_error_from_a_transport_of_ones_own_keeps_its_kind(kind: NetworkErrorKind) -> None:
    raising = _Raising(kind)
    opts = authwire.TokenOptions(transport=raising, max_attempts=ATTEMPTS, backoff_initial=0.01)
    failure = fail("https://auth.example.com/v1/token", opts, f"own transport {kind.name}")
    assert failure.error.kind is kind
    assert failure.error.reason == failure.message.removeprefix("network error: ")
    assert "auth.example.com" in failure.message
    assert "(the client's own words)" in failure.message
    assert raising.calls == failure.requests == (ATTEMPTS if kind.is_retried else 1)
    assert failure.failed_kinds() == [kind]
    assert failure.retrying_kinds() == ([kind] * (ATTEMPTS - 1) if kind.is_retried else [])


def test_an_unclassified_transport_error_is_other_and_retried() -> None:
    class Unclassified(authwire.BlockingHttpTransport):
        def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
            raise authwire.HttpTransportError.Network("no kind given")

    opts = authwire.TokenOptions(transport=Unclassified(), max_attempts=2, backoff_initial=0.01)
    failure = fail("https://auth.example.com/v1/token", opts, "own transport, Network(reason)")
    assert failure.error.kind is Kind.OTHER
    assert failure.requests == 2
    assert str(authwire.HttpTransportError.Classified(Kind.PROXY, "words")) == "words"
    assert repr(authwire.HttpTransportError.Classified(Kind.PROXY, "words")) == "HttpTransportError.Classified('words')"


def test_the_kind_is_typed_on_the_error_and_the_events() -> None:
    error = authwire.AuthError.Network(Kind.CONNECTION_RESET, "the connection was reset")
    assert isinstance(error, authwire.AuthError)
    assert error.kind is Kind.CONNECTION_RESET and error.reason == "the connection was reset"
    retrying = AuthEvent.RefreshRetrying(1, timedelta(milliseconds=400), Kind.CONNECTION_RESET, "reset")
    failed = AuthEvent.RefreshFailed(None, "HTTP 500", False)
    assert repr(retrying) == (
        "AuthEvent.RefreshRetrying(attempt=1, delay=datetime.timedelta(microseconds=400000), "
        "network_kind=<NetworkErrorKind.CONNECTION_RESET: 5>, reason='reset')"
    )
    assert AuthEvent.RefreshRetrying.__match_args__ == ("attempt", "delay", "network_kind", "reason")
    assert AuthEvent.RefreshFailed.__match_args__ == ("network_kind", "reason", "serving_stale")
    assert failed.network_kind is None and failed.serving_stale is False
