"""The header builders' lean call path and memo (``authwire/_builders.py``) against the generated
bindings' own functions, through the installed package and the real native library.

``authwire.basic_auth``, ``bearer_auth``, ``scheme_auth`` and ``scheme_auth_params`` reach the
core through ``_builders``; ``authwire._native.authwire`` still holds the functions uniffi
generated, which call the same core functions through uniffi's own call path. Both must give
byte-identical values and identical errors (type, message, fields) for every input: the shared
vectors, arbitrary text (hypothesis), the wrong types, lone surrogates, keyword arguments, and
inputs the memo does not keep. The memo stays bounded, keeps no error, shows no credential,
and gives the right value to many threads at once and to calls nested in a call.
"""

from __future__ import annotations

import ast
import base64
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import authwire
from authwire import _builders, _ffi
from authwire._native import authwire as generated

REPOSITORY = Path(__file__).resolve().parents[2]

# Any text Python can hold except lone surrogates (those are tested on their own below), with
# the controls, DEL, ':', quotes and backslashes the builders refuse or escape.
any_text = st.text(alphabet=st.characters(codec="utf-8"))
ascii_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F))
short_lists = st.lists(ascii_text | any_text, max_size=4)

MEMOS = {
    "basic_auth": _builders._basic_memo,
    "bearer_auth": _builders._bearer_memo,
    "scheme_auth": _builders._scheme_memo,
    "scheme_auth_param_lists": _builders._param_lists_memo,
}


@pytest.fixture(autouse=True)
def empty_memos() -> Iterator[None]:
    """Every test starts with empty memos (and leaves them empty)."""
    for memo in MEMOS.values():
        memo.cache_clear()  # type: ignore[attr-defined]
    yield
    for memo in MEMOS.values():
        memo.cache_clear()  # type: ignore[attr-defined]


def outcome(call: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, ...]:
    """What a call gives: ``("value", value)``, or the error's type, ``str``, ``repr`` and args."""
    try:
        return ("value", call(*args, **kwargs))
    except Exception as error:
        return ("error", type(error), str(error), repr(error), error.args)


def assert_same(name: str, *args: object, **kwargs: object) -> tuple[object, ...]:
    """``authwire.<name>`` (first and second call: built, then remembered) gives what the
    generated ``<name>`` gives."""
    fast = getattr(_builders, name)
    expected = outcome(getattr(generated, name), *args, **kwargs)
    assert outcome(fast, *args, **kwargs) == expected
    assert outcome(fast, *args, **kwargs) == expected
    return expected


# --- The shared vectors -------------------------------------------------------------------------


def test_basic_vectors_match_the_generated_call(basic_case: dict[str, Any]) -> None:
    result = assert_same("basic_auth", basic_case["user_id"], basic_case["password"])
    assert result[0] == "value"
    if basic_case["header_value"] is not None:
        assert result[1] == basic_case["header_value"]
        assert authwire.basic_auth(basic_case["user_id"], basic_case["password"]) == basic_case["header_value"]


def test_basic_invalid_vectors_raise_as_the_generated_call(basic_invalid_case: dict[str, Any]) -> None:
    result = assert_same("basic_auth", basic_invalid_case["user_id"], basic_invalid_case["password"])
    assert result[0] == "error" and result[1] is authwire.AuthError.InvalidInput


def test_bearer_vectors_match_the_generated_call(bearer_case: dict[str, Any]) -> None:
    assert assert_same("bearer_auth", bearer_case["token"]) == ("value", bearer_case["header_value"])


def test_bearer_invalid_vectors_raise_as_the_generated_call(bearer_invalid_case: dict[str, Any]) -> None:
    result = assert_same("bearer_auth", bearer_invalid_case["token"])
    assert result[0] == "error" and result[1] is authwire.AuthError.InvalidInput


def test_scheme_vectors_match_the_generated_call(scheme_case: dict[str, Any]) -> None:
    result = assert_same("scheme_auth", scheme_case["scheme"], scheme_case["credentials"])
    assert result == ("value", scheme_case["header_value"])


def test_scheme_invalid_vectors_raise_as_the_generated_call(scheme_invalid_case: dict[str, Any]) -> None:
    result = assert_same("scheme_auth", scheme_invalid_case["scheme"], scheme_invalid_case["credentials"])
    assert result[0] == "error" and result[1] is authwire.AuthError.InvalidInput


def params_outcomes(scheme: str, pairs: list[tuple[str, str]]) -> list[tuple[object, ...]]:
    """``scheme_auth_params`` given the pairs as a dict (its own fast path) and as a list."""
    shapes: list[object] = [pairs]
    if len({name for name, _ in pairs}) == len(pairs):
        shapes.append(dict(pairs))
    return [outcome(authwire.scheme_auth_params, scheme, shape) for shape in shapes for _ in (1, 2)]


def test_scheme_params_vectors_match_the_generated_call(scheme_params_case: dict[str, Any]) -> None:
    scheme, pairs = scheme_params_case["scheme"], [(str(n), str(v)) for n, v in scheme_params_case["params"]]
    names, values = [n for n, _ in pairs], [v for _, v in pairs]
    expected = assert_same("scheme_auth_param_lists", scheme, names, values)
    assert expected == ("value", scheme_params_case["header_value"])
    assert set(params_outcomes(scheme, pairs)) == {expected}


def test_scheme_params_invalid_vectors_raise_as_the_generated_call(scheme_params_invalid_case: dict[str, Any]) -> None:
    case = scheme_params_invalid_case
    pairs = [(str(n), str(v)) for n, v in case["params"]]
    names, values = [n for n, _ in pairs], [v for _, v in pairs]
    expected = assert_same("scheme_auth_param_lists", case["scheme"], names, values)
    assert expected[0] == "error" and expected[1] is authwire.AuthError.InvalidInput
    assert set(params_outcomes(case["scheme"], pairs)) == {expected}


# --- Arbitrary input --------------------------------------------------------------------------


@given(user_id=any_text | ascii_text, password=any_text | ascii_text)
@example(user_id="Aladdin", password="open sesame")
@example(user_id="a:b", password="x")
@example(user_id="a", password="x\r\ny")
@example(user_id="\x00", password="")
@example(user_id="é" * 40, password="€" * 40)  # longer than the first buffer uniffi allocates
def test_basic_auth_matches_the_generated_call(user_id: str, password: str) -> None:
    assert_same("basic_auth", user_id, password)


@given(token=any_text | ascii_text)
@example(token="")
@example(token="mF_9.B5f-4.1JqM")
@example(token="a b")
@example(token="\x7f")
def test_bearer_auth_matches_the_generated_call(token: str) -> None:
    assert_same("bearer_auth", token)


@given(scheme=ascii_text | any_text, credentials=ascii_text | any_text)
@example(scheme="Token", credentials='token="a\\"b", realm=x')
@example(scheme="", credentials="abc")
def test_scheme_auth_matches_the_generated_call(scheme: str, credentials: str) -> None:
    assert_same("scheme_auth", scheme, credentials)


@given(scheme=ascii_text, names=short_lists, values=short_lists)
@example(scheme="Token", names=["token"], values=['a"b\\c d'])
@example(scheme="Token", names=[], values=[])
@example(scheme="Token", names=["a", "b"], values=["x"])  # lengths differ: the core says so
@example(scheme="Token", names=["a"], values=["é"])
def test_scheme_auth_param_lists_match_the_generated_call(scheme: str, names: list[str], values: list[str]) -> None:
    expected = assert_same("scheme_auth_param_lists", scheme, names, values)
    if len(names) == len(values):
        pairs = list(zip(names, values))
        assert set(params_outcomes(scheme, pairs)) == {expected}


WRONG_ARGUMENTS: list[tuple[str, tuple[object, ...]]] = [
    ("basic_auth", (1, "x")),
    ("basic_auth", ("x", None)),
    ("basic_auth", (b"user", "x")),
    ("bearer_auth", (None,)),
    ("bearer_auth", (b"token",)),
    ("scheme_auth", ("Token", 3.5)),
    ("scheme_auth_param_lists", ("Token", ["a"], [b"x"])),
    ("scheme_auth_param_lists", (7, ["a"], ["x"])),
    ("basic_auth", ("\ud800", "x")),  # a lone surrogate: UTF-8 cannot encode it
    ("basic_auth", ("x", "y\udfff")),
    ("bearer_auth", ("\udc80",)),
    ("scheme_auth_param_lists", ("Token", ["a"], ["\ud800"])),
]


@pytest.mark.parametrize(("name", "args"), WRONG_ARGUMENTS, ids=[f"{n}{a!r}" for n, a in WRONG_ARGUMENTS])
def test_wrong_arguments_raise_as_the_generated_call(name: str, args: tuple[object, ...]) -> None:
    expected = assert_same(name, *args)
    assert expected[0] == "error" and expected[1] in (TypeError, UnicodeEncodeError, authwire.AuthError.InvalidInput)


class Text(str):
    """A str subclass: the fast path leaves it to the generated call, which accepts it."""


def test_str_subclasses_tuples_and_keywords_are_accepted_as_before() -> None:
    assert assert_same("basic_auth", Text("Aladdin"), Text("open sesame")) == (
        "value",
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    )
    assert assert_same("basic_auth", user_id="Aladdin", password="open sesame")[0] == "value"
    assert assert_same("bearer_auth", token=Text("abc")) == ("value", "Bearer abc")
    assert assert_same("scheme_auth", scheme="Token", credentials="abc") == ("value", "Token abc")
    assert assert_same("scheme_auth_param_lists", "Token", [Text("a")], ["b"]) == ("value", 'Token a="b"')
    assert assert_same("scheme_auth_param_lists", "Token", ("a",), ("b",)) == ("value", 'Token a="b"')
    params: dict[str, str] = {Text("a"): Text("b")}
    assert authwire.scheme_auth_params(Text("Token"), params) == 'Token a="b"'


def test_the_package_exports_the_fast_builders_with_their_documentation() -> None:
    # Like every name of the package, they carry the Python documentation of _ffi.pyi
    # (tests/test_docstrings.py), which says what the core's doc comments say.
    stub = {
        node.name: ast.get_docstring(node)
        for node in ast.parse(Path(_ffi.__file__).with_suffix(".pyi").read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
    }
    for name in ("basic_auth", "bearer_auth", "scheme_auth", "scheme_auth_param_lists"):
        assert getattr(_ffi, name) is getattr(_builders, name)
        doc = getattr(_builders, name).__doc__
        assert doc == stub[name], name
        assert "RFC" in doc and "AuthError.InvalidInput" in doc and "never" in doc, name
    for name in ("basic_auth", "bearer_auth", "scheme_auth"):
        assert getattr(authwire, name) is getattr(_builders, name)


# --- Inputs the memo does not keep --------------------------------------------------------------


def test_long_input_is_built_every_time_and_never_remembered() -> None:
    long_user = "u" * _builders.MEMO_CHARS
    token = "t" * (_builders.MEMO_CHARS + 1)
    expected_basic = "Basic " + base64.b64encode(f"{long_user}:p".encode()).decode()
    for _ in range(2):
        assert authwire.basic_auth(long_user, "p") == expected_basic
        assert authwire.bearer_auth(token) == f"Bearer {token}"
        assert authwire.scheme_auth("Token", token) == f"Token {token}"
        assert authwire.scheme_auth_params("Token", {"token": token}) == f'Token token="{token}"'
    assert outcome(authwire.bearer_auth, token + " ") == outcome(generated.bearer_auth, token + " ")
    for memo in MEMOS.values():
        assert memo.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_input_longer_than_the_lean_path_takes_goes_through_the_generated_call() -> None:
    token = "t" * (_builders.LEAN_MAX_BYTES + 1)
    user = "é" * (_builders.LEAN_MAX_BYTES // 2 + 1)  # two UTF-8 bytes each
    assert assert_same("bearer_auth", token) == ("value", f"Bearer {token}")
    assert assert_same("basic_auth", user, "pw") == ("value", expected_basic(user, "pw"))
    assert assert_same("scheme_auth", "Token", token + " ")[:2] == ("error", authwire.AuthError.InvalidInput)
    assert assert_same("scheme_auth_param_lists", "Token", ["t"], [token]) == ("value", f'Token t="{token}"')
    for memo in MEMOS.values():
        assert memo.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_errors_are_raised_every_time_and_never_remembered() -> None:
    for _ in range(3):
        with pytest.raises(authwire.AuthError.InvalidInput):
            authwire.basic_auth("a:b", "secret-password")
        with pytest.raises(authwire.AuthError.InvalidInput):
            authwire.bearer_auth("bad token")
        with pytest.raises(TypeError):
            authwire.bearer_auth(None)  # type: ignore[arg-type]
    for memo in MEMOS.values():
        info = memo.cache_info()  # type: ignore[attr-defined]
        assert (info.currsize, info.hits) == (0, 0)
    # A value built after an error is right (the call status was reset).
    assert authwire.bearer_auth("abc") == "Bearer abc"
    assert authwire.bearer_auth("abc") == "Bearer abc"
    info = _builders._bearer_memo.cache_info()  # type: ignore[attr-defined]
    assert (info.currsize, info.hits) == (1, 1)


def test_the_memo_is_bounded() -> None:
    size = _builders.MEMO_SIZE
    for i in range(3 * size):
        assert authwire.bearer_auth(f"token-{i}") == f"Bearer token-{i}"
        assert authwire.basic_auth(f"user-{i}", "pw") == "Basic " + base64.b64encode(f"user-{i}:pw".encode()).decode()
        assert authwire.scheme_auth_params("Token", {"token": f"t{i}"}) == f'Token token="t{i}"'
    for name in ("basic_auth", "bearer_auth", "scheme_auth_param_lists"):
        info = MEMOS[name].cache_info()  # type: ignore[attr-defined]
        assert info.maxsize == size
        assert info.currsize == size, name
    # The most recent ones are remembered; the first ones were let go.
    authwire.bearer_auth(f"token-{3 * size - 1}")
    authwire.bearer_auth("token-0")
    info = _builders._bearer_memo.cache_info()  # type: ignore[attr-defined]
    assert info.hits == 1 and info.currsize == size


# --- No credential shown -------------------------------------------------------------------------

SECRETS = ("memo-user-7f3a", "memo-password-9c1e", "memo-token-4d2b", "memo-credentials-a8e0", "memo-value-5b6c")


def test_nothing_public_shows_a_remembered_credential() -> None:
    user, password, token, credentials, value = SECRETS
    authwire.basic_auth(user, password)
    authwire.bearer_auth(token)
    authwire.scheme_auth("Token", credentials)
    authwire.scheme_auth_params("Token", {"token": value})
    basic_value = authwire.basic_auth(user, password)
    encoded = basic_value.split()[1]
    shown = [
        repr(authwire),
        repr(vars(authwire)),
        repr(_builders),
        repr(vars(_builders)),
        repr(vars(_ffi)),
        repr(dir(authwire)),
        str(_builders._pool),
    ]
    for name, memo in MEMOS.items():
        shown += [repr(memo), str(memo), repr(memo.cache_info()), repr(getattr(_ffi, name))]  # type: ignore[attr-defined]
    for text in shown:
        for secret in (*SECRETS, encoded):
            assert secret not in text, f"{secret!r} shown in {text[:200]!r}"
    # The pooled call arguments hold no argument once a call is over.
    assert _builders._pool, "the calls above returned their scratch to the pool"
    for _status, _address, foreign in _builders._pool:
        assert foreign.data is None


# --- Threads and nested calls -------------------------------------------------------------------


def expected_basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_many_threads_get_their_own_values_and_errors() -> None:
    threads, rounds = 16, 400
    size = _builders.MEMO_SIZE
    barrier = threading.Barrier(threads)
    failures: list[str] = []

    def work(n: int) -> None:
        barrier.wait()
        for i in range(rounds):
            # Shared inputs (memo hits from every thread), per-thread inputs (misses that evict
            # other threads' entries: more distinct inputs than the memo holds) and errors.
            shared, own = f"shared-{i % 8}", f"thread-{n}-{i}"
            checks: list[tuple[Callable[[], object], object]] = [
                (lambda: authwire.bearer_auth(shared), f"Bearer {shared}"),
                (lambda: authwire.basic_auth(own, shared), expected_basic(own, shared)),
                (lambda: authwire.scheme_auth("Token", own), f"Token {own}"),
                (
                    lambda: authwire.scheme_auth_params("Token", {"t": own, "s": shared}),
                    f'Token t="{own}", s="{shared}"',
                ),
                (lambda: authwire.bearer_auth(own + "-" * (i % size)), f"Bearer {own}" + "-" * (i % size)),
            ]
            for call, expected in checks:
                got = outcome(call)
                if got != ("value", expected):
                    failures.append(f"thread {n} round {i}: {got!r} != {expected!r}")
            bad = outcome(authwire.basic_auth, own + ":", "pw")
            if bad[:2] != ("error", authwire.AuthError.InvalidInput) or "':' at byte" not in str(bad[2]):
                failures.append(f"thread {n} round {i}: {bad!r}")

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    for memo in MEMOS.values():
        assert memo.cache_info().currsize <= size  # type: ignore[attr-defined]
    assert len(_builders._pool) <= _builders._POOL_SIZE
    for status, _address, foreign in _builders._pool:
        assert status.code == 0 and foreign.data is None


def test_calls_nested_in_a_call_get_their_own_values() -> None:
    """A builder called between any two steps of another builder's call (as a finalizer or a
    signal handler can be) gets its own value, and so does the outer call, though both take
    call statuses and argument structs from the same pool. A trace function makes the nested
    call at every line of the outer call's ``_call``, deterministically."""
    nested: list[tuple[object, object]] = []
    pool_sizes: list[int] = []

    def nested_call(frame: Any, event: str, arg: object) -> Any:
        if event == "line":
            n = len(nested)
            pool_sizes.append(len(_builders._pool))
            nested.append((outcome(authwire.bearer_auth, f"nested-{n}"), ("value", f"Bearer nested-{n}")))
            bad = outcome(authwire.basic_auth, f"nested:{n}", "pw")
            nested.append((bad[:2], ("error", authwire.AuthError.InvalidInput)))
        return nested_call

    def trace(frame: Any, event: str, arg: object) -> Any:
        return nested_call if frame.f_code is _builders._call.__code__ else None

    results: list[tuple[object, object]] = []
    _builders._pool.clear()  # the outer call's scratch is then the only one until a nested call
    sys.settrace(trace)
    try:
        for i in range(20):
            results.append(
                (outcome(authwire.basic_auth, f"outer-{i}", "pw"), ("value", expected_basic(f"outer-{i}", "pw")))
            )
            results.append(
                (outcome(authwire.bearer_auth, f"outer {i}")[:2], ("error", authwire.AuthError.InvalidInput))
            )
            results.append((outcome(authwire.scheme_auth, "Token", f"outer-{i}"), ("value", f"Token outer-{i}")))
    finally:
        sys.settrace(None)
    assert len(nested) > 20 * 3 * 10, "the nested calls ran at every step of the outer calls"
    assert 0 in pool_sizes, "some nested calls ran while the outer call held the pool's only scratch"
    assert [got for got, want in results if got != want] == []
    assert [got for got, want in nested if got != want] == []


# --- The generated module it was written against ------------------------------------------------


def test_written_for_the_uniffi_in_cargo_lock() -> None:
    lock = REPOSITORY / "Cargo.lock"
    if not lock.exists():
        pytest.skip("not run from the repository (no Cargo.lock)")
    versions = re.findall(r'\[\[package\]\]\nname = "uniffi"\nversion = "([^"]+)"', lock.read_text(encoding="utf-8"))
    assert versions == [_builders.UNIFFI_VERSION], (
        "uniffi changed: check authwire/_builders.py against the new generated Python, then update UNIFFI_VERSION"
    )


CHANGED_GENERATED_MODULE = """
import ctypes
from authwire._native import authwire as generated
{change}
try:
    import authwire._builders
except ImportError as error:
    print(error)
else:
    print("imported")
"""


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            "generated._UniffiLib.uniffi_authwire_fn_func_bearer_auth.argtypes = "
            "(generated._UniffiRustBuffer, ctypes.c_uint64, ctypes.POINTER(generated._UniffiRustCallStatus))",
            "FFI signature of uniffi_authwire_fn_func_bearer_auth changed",
        ),
        (
            "class Wider(ctypes.Structure):\n"
            "    _fields_ = [('len', ctypes.c_int64), ('data', ctypes.POINTER(ctypes.c_char))]\n"
            "generated._UniffiForeignBytes = Wider",
            "_UniffiForeignBytes._fields_",
        ),
        ("del generated._uniffi_check_call_status", "no _uniffi_check_call_status"),
        (
            "generated.basic_auth = lambda user_id, password, extra=None: ''",
            "the generated basic_auth",
        ),
    ],
    ids=["ffi-signature", "struct-layout", "helper", "wrapper"],
)
def test_a_changed_generated_module_fails_the_import_loudly(change: str, named: str) -> None:
    """What a uniffi upgrade that changes the generated module would do: ``authwire._builders``
    refuses to load, with a message naming the difference and where to fix it."""
    script = CHANGED_GENERATED_MODULE.format(change=change)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    message = result.stdout.strip()
    assert named in message, message
    assert f"uniffi {_builders.UNIFFI_VERSION}" in message and "authwire/_builders.py" in message, message
