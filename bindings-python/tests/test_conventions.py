"""The public surface follows the Python column of docs/api/conventions.md.

The test walks ``dir()`` of ``authwire``, ``authwire.requests``, ``authwire.httpx`` and
``authwire.cryptography``, every public class there (nested classes included: the kinds of
``AuthError`` and ``AuthEvent``) and the signatures of their public functions and methods, and
fails on:

* plain data behind a zero-argument method on a value class (``creds.user_id()`` instead of
  ``creds.user_id``), or ``stats`` that is not a property;
* a class or variant named in UPPER_CASE (``AuthEvent.TOKEN_REFRESHED``);
* a parameter or attribute with a unit suffix (``*_ms``, ``*_secs``): durations are seconds
  or ``timedelta``;
* the name ``blocking_transport`` (one ``transport`` option);
* an ``is_`` method with upper case (``is_TOKEN_REQUESTED``).

``test_the_checks_can_fail`` runs the same checks on a deliberately bad class.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

import authwire

MODULES = ("authwire", "authwire.requests", "authwire.httpx", "authwire.cryptography")

#: Classes that hold plain data: every public zero-argument method on them is suspect.
VALUE_CLASSES = {
    "AccessToken",
    "ApiKey",
    "BasicCredentials",
    "CsrfHeaders",
    "TokenOptions",
    "TokenStats",
    "HttpHeader",
    "HttpRequest",
    "HttpResponse",
    "SessionTokens",
    "DeviceCode",
}
#: Zero-argument methods that are conversions, not data (``dict`` out of a value).
CONVERSIONS = {"to_map"}
#: Objects with counters: ``stats`` must be a property.
STATS_OWNERS = ("TokenManager", "CsrfSession")


UNIT_SUFFIX = re.compile(r"_(ms|millis|secs|seconds)$")
UPPER_CASE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


def _public(names: Iterator[str] | list[str]) -> list[str]:
    return [name for name in names if not name.startswith("_")]


def _parameters(where: str, function: Any) -> Iterator[str]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a built-in without a signature
        return
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        key = f"{where}.{parameter.name}"
        if UNIT_SUFFIX.search(parameter.name):
            yield f"{key}: a parameter with a unit suffix (take seconds or a timedelta)"
        if parameter.name == "blocking_transport":
            yield f"{key}: blocking_transport (the option is `transport`)"


def check_class(cls: type, where: str | None = None, seen: set[int] | None = None) -> Iterator[str]:
    """What in ``cls`` (and its nested classes) breaks the conventions."""
    seen = set() if seen is None else seen
    if id(cls) in seen:
        return
    seen.add(id(cls))
    where = where or cls.__name__
    if UPPER_CASE.match(cls.__name__):
        yield f"{where}: an UPPER_CASE class name (classes and variants are CapWords)"
    fields = list(getattr(cls, "__dataclass_fields__", {}))
    for name in _public([*dir(cls), *fields]):
        key = f"{where}.{name}"
        if UNIT_SUFFIX.search(name):
            yield f"{key}: a name with a unit suffix (durations are timedelta)"
        if name == "blocking_transport":
            yield f"{key}: blocking_transport (the option is `transport`)"
        try:
            member = inspect.getattr_static(cls, name)
        except AttributeError:
            continue  # a dataclass field without a default
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, type):
            if issubclass(member, enum.Enum) and member is not cls:
                continue
            if member.__qualname__.startswith(cls.__qualname__ + ".") or member.__qualname__ == f"{where}.{name}":
                yield from check_class(member, key, seen)
            continue
        if isinstance(member, enum.Enum):
            continue  # enum members are constants: UPPER_CASE is right
        if name.startswith("is_") and name != name.lower():
            yield f"{key}: an is_ method with upper case"
        if callable(member) and not isinstance(member, type):
            yield from _parameters(key, member)
            if cls.__name__ in VALUE_CLASSES and name not in CONVERSIONS and _takes_no_arguments(member):
                yield f"{key}(): plain data behind a zero-argument method (make it a property)"
    if cls.__name__ in STATS_OWNERS and not isinstance(inspect.getattr_static(cls, "stats", None), property):
        yield f"{where}.stats: not a property"
    init = cls.__dict__.get("__init__")
    if init is not None:
        yield from _parameters(f"{where}.__init__", init)


def _takes_no_arguments(function: Any) -> bool:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in parameters
        if p.name != "self" and p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return not required and bool(parameters) and parameters[0].name == "self"


def check_module(module: ModuleType) -> Iterator[str]:
    seen: set[int] = set()
    for name in _public(dir(module)):
        value = getattr(module, name)
        where = f"{module.__name__}.{name}"
        if isinstance(value, type):
            if value.__module__.startswith("authwire") or value.__module__ == module.__name__:
                yield from check_class(value, where, seen)
        elif inspect.isfunction(value) or inspect.isbuiltin(value):
            yield from _parameters(where, value)
            if UNIT_SUFFIX.search(name) or name == "blocking_transport":
                yield f"{where}: a function name with a unit or blocking_transport"


@pytest.mark.parametrize("module_name", MODULES)
def test_the_public_surface_follows_the_conventions(module_name: str) -> None:
    module = importlib.import_module(module_name)
    problems = list(check_module(module))
    assert not problems, "\n".join(problems)


def test_errors_expose_durations_and_the_server_text_by_their_table_names() -> None:
    samples: list[Any] = [
        authwire.AuthError.Unauthorized(401, "bad credentials"),
        authwire.AuthError.Server(503, "down"),
        authwire.AuthError.HttpStatus(418, "teapot"),
        authwire.AuthError.RateLimited(1500),
        authwire.AuthError.RefreshLoop(11, 60_000),
    ]
    for error in samples:
        names = _public(dir(error))
        assert not [name for name in names if UNIT_SUFFIX.search(name)], names
        assert "message" not in names, "the server's text is `server_message`; the sentence is str(error)"
        assert error.args == (str(error),)
    assert samples[0].server_message == "bad credentials"
    assert samples[3].retry_after == timedelta(milliseconds=1500)
    assert samples[4].window == timedelta(seconds=60)


def test_the_stats_of_a_manager_are_a_property() -> None:
    manager = authwire.TokenManager.static_token("abc")
    assert manager.stats.token_requests == 0


class _BadValue:
    """Everything the checks must catch, on one class."""

    timeout_ms = 5

    class TOKEN_REFRESHED:  # noqa: N801 - deliberately wrong
        pass

    def __init__(self, request_timeout_ms: int = 1, blocking_transport: object = None) -> None:
        self.request_timeout_ms = request_timeout_ms

    def user_id(self) -> str:
        return "alice"

    def is_TOKEN_REQUESTED(self) -> bool:  # noqa: N802 - deliberately wrong
        return True

    def lifetime_secs(self, value: int) -> int:
        return value


def test_the_checks_can_fail() -> None:
    VALUE_CLASSES.add("_BadValue")
    try:
        problems = "\n".join(check_class(_BadValue))
    finally:
        VALUE_CLASSES.discard("_BadValue")
    for expected in (
        "_BadValue.timeout_ms: a name with a unit suffix",
        "_BadValue.TOKEN_REFRESHED: an UPPER_CASE class name",
        "_BadValue.__init__.request_timeout_ms: a parameter with a unit suffix",
        "_BadValue.__init__.blocking_transport: blocking_transport",
        "_BadValue.user_id(): plain data behind a zero-argument method",
        "_BadValue.is_TOKEN_REQUESTED: an is_ method with upper case",
        "_BadValue.lifetime_secs: a name with a unit suffix",
    ):
        assert expected in problems, f"{expected!r} not reported in:\n{problems}"

    class TokenManager:  # a `stats` that is a method
        def stats(self) -> int:
            return 0

    assert "TokenManager.stats: not a property" in "\n".join(check_class(TokenManager))
