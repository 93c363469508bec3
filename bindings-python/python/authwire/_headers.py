"""``scheme_auth_params``: auth-param values (RFC 9110 section 11.4) built from Python pairs.

The core takes the names and the values as two lists (``scheme_auth_param_lists``), so that
no generated record type holding a value exists that could print it; this module turns a
mapping or an iterable of ``(name, value)`` pairs into those lists, keeping their order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Union

from . import _builders, _ffi
from ._values import BasicCredentials

__all__ = ["AuthParams", "decode_basic", "scheme_auth_params"]


def decode_basic(header_value: str) -> BasicCredentials:
    """The user-id and password of a Basic value (``Basic <base64>``, the scheme in any case),
    as ``.user_id`` and ``.password``. It accepts exactly what ``basic_auth`` can build.

    >>> import authwire
    >>> authwire.decode_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    BasicCredentials(user_id='Aladdin', password=<redacted>)

    Raises ``AuthError.InvalidInput`` when the value is not of the Basic scheme, the base64 is
    invalid, the decoded bytes are not UTF-8 (RFC 7617 section 2.1), there is no ``:``, or
    either part contains a control character (RFC 7617 section 2); the message never shows
    the credentials."""
    native = _ffi.decode_basic(header_value)
    return BasicCredentials(native.user_id(), native.password())


#: What ``scheme_auth_params`` accepts: a mapping (its iteration order is kept, as for a
#: ``dict``) or an iterable of ``(name, value)`` pairs.
AuthParams = Union[Mapping[str, str], Iterable[tuple[str, str]]]


def scheme_auth_params(scheme: str, params: AuthParams) -> str:
    """``<scheme> name1="value1", name2="value2"`` (RFC 9110 section 11.4 auth-params).

    Every value is quoted for you, with ``"`` and ``\\`` escaped inside it; the parameters
    keep the order given (a ``dict``'s insertion order, or the order of the pairs).

    >>> import authwire
    >>> authwire.scheme_auth_params("Token", {"token": "abc"})
    'Token token="abc"'
    >>> print(authwire.scheme_auth_params("Token", [("token", 'a"b\\\\c d'), ("realm", "")]))
    Token token="a\\"b\\\\c d", realm=""

    ``params`` is a ``Mapping[str, str]`` or an iterable of ``(name, value)`` tuples. Values
    may be secrets: no error shows one.

    Raises ``AuthError.InvalidInput`` when no parameter is given, the scheme or a name is not
    an RFC 9110 token, or a value contains a control character other than tab, DEL or
    non-ASCII (the message names the parameter's position, never its value); ``TypeError``
    when ``params`` is not a mapping or an iterable of pairs of ``str``.
    """
    given: object = params  # checked as any object: callers without a type checker pass anything
    if type(given) is dict:  # the common case, checked in one pass (keys and values exactly str)
        names_given, values_given = tuple(given), tuple(given.values())
        if _builders.exactly_str(names_given + values_given):
            return _builders.scheme_auth_param_tuples(scheme, names_given, values_given)
    if isinstance(given, Mapping):
        pairs: Iterable[object] = given.items()
    elif isinstance(given, (str, bytes, bytearray)) or not isinstance(given, Iterable):
        raise TypeError(
            "params must be a mapping or an iterable of (name, value) pairs, "
            f'e.g. {{"token": "..."}} or [("token", "...")], not {type(given).__name__}'
        )
    else:
        pairs = given
    names: list[str] = []
    values: list[str] = []
    for index, pair in enumerate(pairs):
        # The messages name positions and types only: a value may be a secret.
        if isinstance(pair, (str, bytes, bytearray)) or not isinstance(pair, Iterable):
            raise TypeError(f"auth-param {index} is a {type(pair).__name__}, not a (name, value) pair")
        parts = tuple(pair)
        if len(parts) != 2:
            raise TypeError(f"auth-param {index} has {len(parts)} items, not 2 (name, value)")
        name, value = parts
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"the name and the value of auth-param {index} must be str, "
                f"not {type(name).__name__} and {type(value).__name__}"
            )
        names.append(name)
        values.append(value)
    return _ffi.scheme_auth_param_lists(scheme, names, values)
