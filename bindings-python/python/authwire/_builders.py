"""The header builders' call path: the core's own functions, reached with the fewest crossings,
and a bounded memo of recent results.

``basic_auth``, ``bearer_auth``, ``scheme_auth`` and ``scheme_auth_param_lists`` call the same
core functions as the generated bindings, so validation and encoding stay in the Rust core.
What the generated call path spends 20-40 µs on, this one skips:

* each string argument is copied into Rust with one ``rustbuffer_from_bytes`` call, instead of
  ``rustbuffer_alloc`` plus ``rustbuffer_reserve`` for longer strings, each behind uniffi's
  context managers and call wrappers;
* the call status and the argument struct come from a small pool and are reused (the status
  is reset after an error); the status is passed as an address, which ``ctypes`` converts far
  faster than a ``POINTER(...)`` argument;
* the functions are bound through ``ctypes.PyDLL`` on the library handle the generated module
  opened: the GIL stays held for the microsecond the core takes, instead of being released
  and taken back around each of the 3-5 calls;
* the result is read by slicing its pointer and freed with one call.

On top of that, the results for recent arguments are remembered (``functools.lru_cache``,
bounded, thread-safe): the builders are pure functions of their arguments, so a remembered
value is the value the core would build. Only successful results are remembered (an error is
raised again by the core every time), only for arguments that are exactly ``str`` (a subclass
could redefine equality) and at most ``MEMO_CHARS`` characters long in all: each builder's
memo holds at most ``MEMO_SIZE`` entries of that size, about 1.5 MB at worst for ASCII. The memo
holds credentials, like the caller's own variables; nothing prints it (its only public view,
``cache_info()``, is counts).

Arguments the fast path does not take (anything but ``str``, or longer than ``LEAN_MAX_BYTES``)
go through the generated function, which raises its usual ``TypeError`` or handles them.

The module checks at import that the generated module is the one it was written against
(uniffi's FFI layout, the functions' FFI signatures, the helpers it uses) and raises
``ImportError`` naming what differs, so that a uniffi upgrade cannot break it silently.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

from ._native import authwire as _generated

__all__ = [
    "LEAN_MAX_BYTES",
    "MEMO_CHARS",
    "MEMO_SIZE",
    "UNIFFI_VERSION",
    "basic_auth",
    "bearer_auth",
    "exactly_str",
    "scheme_auth",
    "scheme_auth_param_lists",
    "scheme_auth_param_tuples",
]

#: The uniffi version whose generated Python this call path was written against (the test
#: suite compares it with Cargo.lock, so an upgrade makes someone re-check the anchors below).
UNIFFI_VERSION = "0.32.2"
#: The uniffi FFI contract version of that uniffi (``ffi_<crate>_uniffi_contract_version``).
_CONTRACT_VERSION = 30

#: Results remembered per builder (least recently used first out).
MEMO_SIZE = 128
#: Arguments longer than this in all (characters) are built every time, never remembered, so
#: that the memo holds at most ``MEMO_SIZE`` entries of this size per builder.
MEMO_CHARS = 4096

#: Arguments longer than this (UTF-8 bytes) go through the generated function, which releases
#: the GIL while the core works on them (the lean path keeps it, for about a microsecond on
#: header-sized input); ForeignBytes' i32 length could not carry 2 GiB anyway.
LEAN_MAX_BYTES = 1 << 20

# What this module uses of the generated one (absent names are reported by _check_anchors).
_RustBuffer: Any = getattr(_generated, "_UniffiRustBuffer", None)
_RustCallStatus: Any = getattr(_generated, "_UniffiRustCallStatus", None)
_GeneratedForeignBytes: Any = getattr(_generated, "_UniffiForeignBytes", None)
_lib: Any = getattr(_generated, "_UniffiLib", None)


class _ForeignBytes(ctypes.Structure):
    """uniffi's ForeignBytes (borrowed bytes passed into Rust), with ``data`` as ``c_char_p``
    so that a ``bytes`` object is stored without a cast; the layout is checked against the
    generated one below."""

    _fields_ = [("len", ctypes.c_int32), ("data", ctypes.c_char_p)]


def _layout(struct: type) -> list[tuple[str, int, int]]:
    return [(name, getattr(struct, name).offset, getattr(struct, name).size) for name, *_ in struct._fields_]  # type: ignore[attr-defined]


def _check_anchors() -> None:
    """Raises ImportError if the generated module is not laid out as this module expects."""
    problems: list[str] = []
    expected_fields = {
        "_UniffiRustBuffer": [
            ("capacity", ctypes.c_uint64),
            ("len", ctypes.c_uint64),
            ("data", ctypes.POINTER(ctypes.c_char)),
        ],
        "_UniffiForeignBytes": [("len", ctypes.c_int32), ("data", ctypes.POINTER(ctypes.c_char))],
        "_UniffiRustCallStatus": [("code", ctypes.c_int8), ("error_buf", _RustBuffer)],
    }
    for name, fields in expected_fields.items():
        actual = getattr(getattr(_generated, name, None), "_fields_", None)
        if actual != fields:
            problems.append(f"{name}._fields_ is {actual!r}, not {fields!r}")
    if not problems and _layout(_ForeignBytes) != _layout(_GeneratedForeignBytes):
        problems.append("_ForeignBytes is not laid out as _UniffiForeignBytes")
    if getattr(_RustCallStatus, "CALL_SUCCESS", None) != 0:
        problems.append("_UniffiRustCallStatus.CALL_SUCCESS is not 0")
    helpers = ("_uniffi_check_call_status", "_UniffiFfiConverterTypeAuthError", "_UniffiLib")
    problems += [f"the generated module has no {helper}" for helper in helpers if not hasattr(_generated, helper)]
    version = getattr(_lib, "ffi_authwire_uniffi_contract_version", None)
    if version is None or version() != _CONTRACT_VERSION:
        problems.append(f"the library's uniffi contract version is not {_CONTRACT_VERSION}")
    status_pointer = ctypes.POINTER(_RustCallStatus)
    ffi_signatures = {
        "ffi_authwire_rustbuffer_from_bytes": ((_GeneratedForeignBytes, status_pointer), _RustBuffer),
        "ffi_authwire_rustbuffer_free": ((_RustBuffer, status_pointer), None),
        "uniffi_authwire_fn_func_basic_auth": ((_RustBuffer, _RustBuffer, status_pointer), _RustBuffer),
        "uniffi_authwire_fn_func_bearer_auth": ((_RustBuffer, status_pointer), _RustBuffer),
        "uniffi_authwire_fn_func_scheme_auth": ((_RustBuffer, _RustBuffer, status_pointer), _RustBuffer),
        "uniffi_authwire_fn_func_scheme_auth_param_lists": (
            (_RustBuffer, _RustBuffer, _RustBuffer, status_pointer),
            _RustBuffer,
        ),
    }
    for symbol, (argtypes, restype) in ffi_signatures.items():
        function = getattr(_lib, symbol, None)
        if function is None or tuple(function.argtypes) != argtypes or function.restype is not restype:
            problems.append(f"the FFI signature of {symbol} changed")
    # The generated wrappers: the same parameters, strings in and out (a top-level string is
    # lowered as its bare UTF-8 bytes, a list of strings as uniffi's sequence encoding), and
    # AuthError for errors.
    wrappers = {
        "basic_auth": (("user_id", "password"), ["str", "str"]),
        "bearer_auth": (("token",), ["str"]),
        "scheme_auth": (("scheme", "credentials"), ["str", "str"]),
        "scheme_auth_param_lists": (("scheme", "names", "values"), ["str", "typing.List[str]", "typing.List[str]"]),
    }
    for name, (parameters, types) in wrappers.items():
        wrapper = getattr(_generated, name, None)
        code = getattr(wrapper, "__code__", None)
        annotations = getattr(wrapper, "__annotations__", {})
        if (
            code is None
            or code.co_varnames[: code.co_argcount] != parameters
            or [annotations.get(p) for p in parameters] != types
            or annotations.get("return") != "str"
            or f"uniffi_authwire_fn_func_{name}" not in code.co_names
            or "_UniffiFfiConverterTypeAuthError" not in code.co_names
            or "_UniffiFfiConverterString" not in code.co_names
            or ("_UniffiFfiConverterSequenceString" in code.co_names) != (name == "scheme_auth_param_lists")
        ):
            problems.append(f"the generated {name} is not (str, ...) -> str raising AuthError as expected")
    if problems:
        raise ImportError(
            f"authwire's builder call path (authwire/_builders.py) was written for the Python that uniffi "
            f"{UNIFFI_VERSION} generates, and the generated module differs: " + "; ".join(problems) + ". "
            "Check the generated module against authwire/_builders.py and update both UNIFFI_VERSION and the "
            "anchors there."
        )


_check_anchors()


def _bind(symbol: str, argtypes: tuple[Any, ...], restype: Any) -> Any:
    # PyDLL: the GIL is kept during the call. The builders neither block nor call back into
    # Python; they take about a microsecond.
    function = getattr(_native_library, symbol)
    function.argtypes = argtypes
    function.restype = restype
    return function


_native_library = ctypes.PyDLL(_lib._name, handle=_lib._handle)
_from_bytes = _bind("ffi_authwire_rustbuffer_from_bytes", (_ForeignBytes, ctypes.c_void_p), _RustBuffer)
_free = _bind("ffi_authwire_rustbuffer_free", (_RustBuffer, ctypes.c_void_p), None)
_basic = _bind("uniffi_authwire_fn_func_basic_auth", (_RustBuffer, _RustBuffer, ctypes.c_void_p), _RustBuffer)
_bearer = _bind("uniffi_authwire_fn_func_bearer_auth", (_RustBuffer, ctypes.c_void_p), _RustBuffer)
_scheme = _bind("uniffi_authwire_fn_func_scheme_auth", (_RustBuffer, _RustBuffer, ctypes.c_void_p), _RustBuffer)
_param_lists = _bind(
    "uniffi_authwire_fn_func_scheme_auth_param_lists",
    (_RustBuffer, _RustBuffer, _RustBuffer, ctypes.c_void_p),
    _RustBuffer,
)
_check_call_status = _generated._uniffi_check_call_status
_AuthErrorConverter = _generated._UniffiFfiConverterTypeAuthError
_EMPTY_BUFFER = _RustBuffer(0, 0, None)


# Call statuses and ForeignBytes, each in use by one call at a time: a call takes one from the
# pool and gives it back, so that calls in other threads, and calls nested in this one (a
# finalizer or a signal handler that runs between two of its steps), never share one. The pool
# holds at most _POOL_SIZE; more calls at once each make their own.
_POOL_SIZE = 64
_pool: list[tuple[Any, int, _ForeignBytes]] = []


def _new_scratch() -> tuple[Any, int, _ForeignBytes]:
    status = _RustCallStatus()
    return status, ctypes.addressof(status), _ForeignBytes()


def _call(function: Any, *arguments: bytes) -> str:
    """``function(*arguments)`` in the core: each argument copied into a Rust buffer (which the
    function takes over), the returned string read and its buffer freed; an error the core
    returned is raised as the generated bindings raise it (typed ``AuthError``, or
    ``InternalError`` for a panic)."""
    try:
        scratch = _pool.pop()
    except IndexError:
        scratch = _new_scratch()
    status, address, foreign = scratch
    try:
        buffers = []
        for data in arguments:
            foreign.len = len(data)
            foreign.data = data
            buffers.append(_from_bytes(foreign, address))
        result = function(*buffers, address)
        if status.code:
            failed = _RustCallStatus.from_buffer_copy(status)
            status.code = 0
            status.error_buf = _EMPTY_BUFFER
            _check_call_status(_AuthErrorConverter, failed)  # raises; it frees the error buffer
        try:
            return result.data[: result.len].decode("utf-8")  # type: ignore[no-any-return]
        finally:
            _free(result, address)
    finally:
        foreign.data = None  # the pool keeps no argument alive
        if not status.code and len(_pool) < _POOL_SIZE:
            _pool.append(scratch)


def _sequence(items: tuple[str, ...]) -> bytes:
    """uniffi's encoding of a list of strings: an i32 count, then each string as an i32 length
    and its UTF-8 bytes (big-endian)."""
    parts = [len(items).to_bytes(4, "big")]
    for item in items:
        data = item.encode("utf-8")
        parts.append(len(data).to_bytes(4, "big"))
        parts.append(data)
    return b"".join(parts)


def _build_basic(user_id: str, password: str) -> str:
    first, second = user_id.encode("utf-8"), password.encode("utf-8")
    if len(first) > LEAN_MAX_BYTES or len(second) > LEAN_MAX_BYTES:
        return _generated.basic_auth(user_id, password)  # type: ignore[no-any-return]
    return _call(_basic, first, second)


def _build_bearer(token: str) -> str:
    data = token.encode("utf-8")
    if len(data) > LEAN_MAX_BYTES:
        return _generated.bearer_auth(token)  # type: ignore[no-any-return]
    return _call(_bearer, data)


def _build_scheme(scheme: str, credentials: str) -> str:
    first, second = scheme.encode("utf-8"), credentials.encode("utf-8")
    if len(first) > LEAN_MAX_BYTES or len(second) > LEAN_MAX_BYTES:
        return _generated.scheme_auth(scheme, credentials)  # type: ignore[no-any-return]
    return _call(_scheme, first, second)


def _build_param_lists(scheme: str, names: tuple[str, ...], values: tuple[str, ...]) -> str:
    first, second, third = scheme.encode("utf-8"), _sequence(names), _sequence(values)
    if len(first) > LEAN_MAX_BYTES or len(second) > LEAN_MAX_BYTES or len(third) > LEAN_MAX_BYTES:
        return _generated.scheme_auth_param_lists(scheme, list(names), list(values))  # type: ignore[no-any-return]
    return _call(_param_lists, first, second, third)


def _memo(build: Callable[..., str]) -> Callable[..., str]:
    return functools.lru_cache(maxsize=MEMO_SIZE)(build)


_basic_memo = _memo(_build_basic)
_bearer_memo = _memo(_build_bearer)
_scheme_memo = _memo(_build_scheme)
_param_lists_memo = _memo(_build_param_lists)


def basic_auth(user_id: str, password: str) -> str:
    """``Basic base64(user-id ":" password)`` (RFC 7617), built by the core; see the generated
    ``basic_auth`` for the rules (its docstring replaces this one below)."""
    if type(user_id) is str and type(password) is str:
        if len(user_id) + len(password) <= MEMO_CHARS:
            return _basic_memo(user_id, password)
        return _build_basic(user_id, password)
    return _generated.basic_auth(user_id, password)  # type: ignore[no-any-return]


def bearer_auth(token: str) -> str:
    """``Bearer <token>`` (RFC 6750), built by the core; see the generated ``bearer_auth``."""
    if type(token) is str:
        if len(token) <= MEMO_CHARS:
            return _bearer_memo(token)
        return _build_bearer(token)
    return _generated.bearer_auth(token)  # type: ignore[no-any-return]


def scheme_auth(scheme: str, credentials: str) -> str:
    """``<scheme> <credentials>`` (RFC 9110 section 11.4), built by the core; see the generated
    ``scheme_auth``."""
    if type(scheme) is str and type(credentials) is str:
        if len(scheme) + len(credentials) <= MEMO_CHARS:
            return _scheme_memo(scheme, credentials)
        return _build_scheme(scheme, credentials)
    return _generated.scheme_auth(scheme, credentials)  # type: ignore[no-any-return]


def scheme_auth_param_lists(scheme: str, names: list[str], values: list[str]) -> str:
    """``<scheme> name="value", ...`` from two lists, built by the core; see the generated
    ``scheme_auth_param_lists`` (``authwire.scheme_auth_params`` is the public face)."""
    if type(names) is list and type(values) is list:
        name_tuple, value_tuple = tuple(names), tuple(values)
        if exactly_str(name_tuple + value_tuple):
            return scheme_auth_param_tuples(scheme, name_tuple, value_tuple)
    return _generated.scheme_auth_param_lists(scheme, names, values)  # type: ignore[no-any-return]


def scheme_auth_param_tuples(scheme: str, names: tuple[str, ...], values: tuple[str, ...]) -> str:
    """``scheme_auth_param_lists`` for names and values given as tuples of exactly ``str``
    (checked by the caller with ``exactly_str``), as ``authwire.scheme_auth_params`` has them."""
    if type(scheme) is str:
        if len(scheme) + len("".join(names + values)) <= MEMO_CHARS:
            return _param_lists_memo(scheme, names, values)
        return _build_param_lists(scheme, names, values)
    return _generated.scheme_auth_param_lists(scheme, list(names), list(values))  # type: ignore[no-any-return]


_ONLY_STR = {str}


def exactly_str(items: tuple[object, ...]) -> bool:
    """Whether every item is a ``str`` (not a subclass, whose equality could differ)."""
    return {*map(type, items)} <= _ONLY_STR


# help() shows the core's own documentation, as it did for the generated functions.
for _public, _original in (
    (basic_auth, _generated.basic_auth),
    (bearer_auth, _generated.bearer_auth),
    (scheme_auth, _generated.scheme_auth),
    (scheme_auth_param_lists, _generated.scheme_auth_param_lists),
):
    _public.__doc__ = _original.__doc__
del _public, _original
