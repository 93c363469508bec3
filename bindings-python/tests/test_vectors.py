"""Every case of the shared vectors, through the package's top-level names (``client_auth``
through ``TokenManager.client_credentials`` against a local token server)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

import pytest

import authwire
from localserver import Reply

CASE_SUFFIX = "_case"  # conftest.py parametrizes every argument named "<section>_case"

# Cases each section had when these tests were written: vectors may be added, never lost.
MIN_CASES = {
    "basic": 4,
    "basic_invalid": 4,
    "basic_decode_invalid": 1,
    "bearer": 7,
    "bearer_invalid": 8,
    "scheme": 4,
    "scheme_invalid": 7,
    "scheme_params": 2,
    "scheme_params_invalid": 4,
    "client_auth": 9,
    "open_connectors": 3,
    "open_connectors_invalid": 3,
    "api_key_file": 2,
    "api_key_file_invalid": 3,
}

# Values shorter than this ("x", "o") occur in any sentence by chance.
MIN_SECRET_CHARS = 4


def assert_readable_error(error: BaseException, variant: type, prefix: str, hidden: list[str | None]) -> None:
    """``error`` is the expected ``AuthError`` variant, prints as the core's one-line
    sentence, and shows none of the ``hidden`` values."""
    assert isinstance(error, authwire.AuthError)
    assert isinstance(error, variant), f"expected {variant.__qualname__}, got {type(error).__qualname__}"
    text = str(error)
    assert text.startswith(prefix), text
    assert len(text) > len(prefix) + 10, f"the sentence says nothing: {text!r}"
    assert "\n" not in text and "\r" not in text, text
    assert "reason=" not in text, f"str() shows uniffi's field dump, not the sentence: {text!r}"
    rendered = [text, repr(error)]
    assert repr(text) in repr(error), repr(error)
    for value in hidden:
        if value is not None and len(value) >= MIN_SECRET_CHARS:
            for shown in rendered:
                assert value not in shown and repr(value)[1:-1] not in shown, f"error shows a secret: {shown!r}"


def test_sections_have_their_cases(vectors: dict[str, Any]) -> None:
    for name, minimum in MIN_CASES.items():
        assert len(vectors.get(name) or []) >= minimum, f"section {name!r} lost cases"


def test_every_case_is_collected(request: pytest.FixtureRequest, vectors: dict[str, Any]) -> None:
    """Every case of every section is a test of this run: counts the collected items."""
    config = request.config
    if config.option.keyword or config.option.markexpr or any("::" in arg for arg in config.args):
        pytest.skip("a -k/-m or node-id selection runs only some cases")
    collected: Counter[tuple[str, str, str]] = Counter()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        for param in callspec.params if callspec else ():
            if param.endswith(CASE_SUFFIX):
                collected[(item.path.name, item.originalname, param)] += 1
    sections_seen = {param[: -len(CASE_SUFFIX)] for (_, _, param) in collected}
    assert set(MIN_CASES) <= sections_seen, f"no test runs {set(MIN_CASES) - sections_seen}"
    for (file, function, param), count in collected.items():
        expected = len(vectors[param[: -len(CASE_SUFFIX)]])
        assert count == expected, f"{file}::{function} ran {count} of {expected} cases"


def check_round_trip(value: str, user_id: str, password: str) -> None:
    credentials = authwire.decode_basic(value)
    assert isinstance(credentials, authwire.BasicCredentials)
    assert credentials.user_id == user_id
    assert credentials.password == password


def test_basic(basic_case: dict[str, Any]) -> None:
    user_id, password = basic_case["user_id"], basic_case["password"]
    value = authwire.basic_auth(user_id, password)
    expected = basic_case["header_value"]
    if expected is not None:
        assert value == expected
        check_round_trip(expected, user_id, password)
    else:
        assert "\r" not in value and "\n" not in value
        assert value.startswith("Basic ")
        check_round_trip(value, user_id, password)


def test_basic_invalid(basic_invalid_case: dict[str, Any]) -> None:
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.basic_auth(basic_invalid_case["user_id"], basic_invalid_case["password"])
    assert_readable_error(
        caught.value,
        authwire.AuthError.InvalidInput,
        "invalid input: ",
        [basic_invalid_case["user_id"], basic_invalid_case["password"]],
    )


def test_basic_decode_invalid(basic_decode_invalid_case: dict[str, Any]) -> None:
    value = basic_decode_invalid_case["header_value"]
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.decode_basic(value)
    assert_readable_error(
        caught.value, authwire.AuthError.InvalidInput, "invalid input: ", [value, value.partition(" ")[2]]
    )


def test_bearer(bearer_case: dict[str, Any]) -> None:
    token, expected = bearer_case["token"], bearer_case["header_value"]
    assert authwire.bearer_auth(token) == expected
    assert authwire.scheme_auth("Bearer", token) == expected


def test_bearer_invalid(bearer_invalid_case: dict[str, Any]) -> None:
    token = bearer_invalid_case["token"]
    for build in (authwire.bearer_auth, lambda t: authwire.scheme_auth("Bearer", t)):
        with pytest.raises(authwire.AuthError.InvalidInput) as caught:
            build(token)
        assert_readable_error(caught.value, authwire.AuthError.InvalidInput, "invalid input: ", [token])


def test_bearer_tokens_as_providers_issue_them_are_valid() -> None:
    """Any non-empty visible-ASCII token (0x21-0x7E) is a valid Bearer token."""
    visible = "".join(chr(c) for c in range(0x21, 0x7F))
    assert authwire.bearer_auth(visible) == f"Bearer {visible}"
    for token in ("abc=d", "=abc", 'a"b', "a,b", "123|abc", "00D!AR.x", "AAAA%2Fb"):
        assert authwire.bearer_auth(token) == f"Bearer {token}"
        assert authwire.TokenManager.static_token(token).authorization() == f"Bearer {token}"


@pytest.mark.parametrize(
    ("token", "described"),
    [
        ("abc def", "a space at byte 3"),
        ("abc\tdef", "a control character (tab) at byte 3"),
        ("ab\r\nX: 1", "a control character (CR) at byte 2"),
        ("a\nb", "a control character (LF) at byte 1"),
        ("abc\x00", "a control character (NUL) at byte 3"),
        ("abcd\x7f", "a control character (DEL) at byte 4"),
        ("tok\u00e9n", "a non-ASCII character at byte 3"),
        ("x\x01", "a control character at byte 1"),
    ],
)
def test_an_invalid_token_names_the_byte_position(token: str, described: str) -> None:
    for build in (authwire.bearer_auth, authwire.TokenManager.static_token):
        with pytest.raises(authwire.AuthError.InvalidInput) as caught:
            build(token)
        assert described in str(caught.value), str(caught.value)
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.bearer_auth("")
    assert "empty" in str(caught.value)


def test_scheme(scheme_case: dict[str, Any]) -> None:
    case = scheme_case
    assert authwire.scheme_auth(case["scheme"], case["credentials"]) == case["header_value"]


def test_scheme_invalid(scheme_invalid_case: dict[str, Any]) -> None:
    case = scheme_invalid_case
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.scheme_auth(case["scheme"], case["credentials"])
    assert_readable_error(caught.value, authwire.AuthError.InvalidInput, "invalid input: ", [case["credentials"]])


def param_pairs(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The case's ``params``, ``[name, value]`` lists in the JSON, as ``(name, value)`` tuples."""
    pairs = [(str(name), str(value)) for name, value in case["params"]]
    assert all(len(pair) == 2 for pair in case["params"])
    return pairs


def test_scheme_params(scheme_params_case: dict[str, Any]) -> None:
    case = scheme_params_case
    scheme, pairs, expected = case["scheme"], param_pairs(case), case["header_value"]
    # Every accepted shape: a list or a tuple of pairs, a generator, a dict, and the pairs
    # as the JSON gives them (lists).
    assert authwire.scheme_auth_params(scheme, pairs) == expected
    assert authwire.scheme_auth_params(scheme, tuple(pairs)) == expected
    assert authwire.scheme_auth_params(scheme, (pair for pair in pairs)) == expected
    assert authwire.scheme_auth_params(scheme, case["params"]) == expected
    if len({name for name, _ in pairs}) == len(pairs):
        assert authwire.scheme_auth_params(scheme, dict(pairs)) == expected
    # What the builder writes, the checked builder accepts as it is.
    assert authwire.scheme_auth(scheme, expected[len(scheme) + 1 :]) == expected


def test_scheme_params_invalid(scheme_params_invalid_case: dict[str, Any]) -> None:
    case = scheme_params_invalid_case
    pairs = param_pairs(case)
    for params in (pairs, dict(pairs), iter(pairs)):
        with pytest.raises(authwire.AuthError.InvalidInput) as caught:
            authwire.scheme_auth_params(case["scheme"], params)
        assert_readable_error(
            caught.value, authwire.AuthError.InvalidInput, "invalid input: ", [value for _, value in pairs]
        )


def test_scheme_params_docstring_examples() -> None:
    import doctest

    from authwire import _headers

    failures, tried = doctest.testmod(_headers, verbose=False, report=True)
    assert tried >= 2 and failures == 0
    assert "Mapping" in (authwire.scheme_auth_params.__doc__ or "")


def test_scheme_params_keep_the_order_given() -> None:
    pairs = [("z", "1"), ("a", "2"), ("m", "3")]
    expected = 'Digest z="1", a="2", m="3"'
    assert authwire.scheme_auth_params("Digest", pairs) == expected
    assert authwire.scheme_auth_params("Digest", dict(pairs)) == expected
    # A repeated name is kept as given (RFC 9110 leaves its meaning to the scheme).
    assert authwire.scheme_auth_params("Token", [("a", "1"), ("a", "2")]) == 'Token a="1", a="2"'


@pytest.mark.parametrize(
    "params",
    [
        pytest.param("token=abc", id="a str"),
        pytest.param(b"token", id="bytes"),
        pytest.param(42, id="an int"),
        pytest.param(["token"], id="a str as a pair"),
        pytest.param([("token",)], id="a 1-tuple"),
        pytest.param([("token", "s3cret-value", "x")], id="a 3-tuple"),
        pytest.param([("token", 1234567)], id="an int value"),
        pytest.param({"token": b"s3cret-value"}, id="a bytes value"),
    ],
)
def test_scheme_params_refuse_other_shapes_with_a_type_error(params: Any) -> None:
    with pytest.raises(TypeError) as caught:
        authwire.scheme_auth_params("Token", params)
    for shown in (str(caught.value), repr(caught.value)):
        assert "s3cret" not in shown and "1234567" not in shown, shown


def post_form(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))


def test_client_auth(client_auth_case: dict[str, Any], serve: Any) -> None:
    """Each client authentication method, as the token server receives it, byte for byte."""
    case = client_auth_case
    client_id, secret = case["client_id"], case["client_secret"]
    server = serve(lambda _, __: Reply.json(200, {"access_token": "t-client-auth", "token_type": "Bearer"}))
    url = server.url("/oauth/token")
    method = authwire.ClientAuthMethod

    def authorize(auth_method: authwire.ClientAuthMethod | None) -> Any:
        manager = authwire.TokenManager.client_credentials(url, client_id, secret, auth_method=auth_method)
        assert manager.authorization() == "Bearer t-client-auth"
        return server.requests[-1]

    for default in (None, method.CLIENT_SECRET_BASIC):
        sent = authorize(default)
        assert sent.header("authorization") == case["basic"]
        assert sent.text == "grant_type=client_credentials"
        assert sent.header("accept") == "application/json"

    sent = authorize(method.CLIENT_SECRET_POST)
    assert sent.header("authorization") is None
    assert sent.text == case["post_body"]
    assert post_form(sent.text) == {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
    }

    if case["basic_unencoded"] is not None:
        sent = authorize(method.CLIENT_SECRET_BASIC_UNENCODED)
        assert sent.header("authorization") == case["basic_unencoded"]
        credentials = authwire.decode_basic(case["basic_unencoded"])
        assert (credentials.user_id, credentials.password) == (client_id, secret)
    else:
        count = server.count
        with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
            authwire.TokenManager.client_credentials(
                url, client_id, secret, auth_method=method.CLIENT_SECRET_BASIC_UNENCODED
            )
        assert_readable_error(
            caught.value, authwire.AuthError.InvalidConfiguration, "invalid configuration: ", [secret]
        )
        assert "':'" in str(caught.value)
        assert server.count == count, "refused at construction, before any request"


def test_client_auth_method_variants() -> None:
    names = {variant.name for variant in authwire.ClientAuthMethod}
    assert names == {"CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST", "CLIENT_SECRET_BASIC_UNENCODED"}
    doc = authwire.TokenManager.client_credentials.__doc__ or ""
    for name in names:
        assert name in doc, f"client_credentials' docstring does not explain {name}"


def test_open_connectors(open_connectors_case: dict[str, Any]) -> None:
    case = open_connectors_case
    expected = case["header_value"]
    assert (
        authwire.open_connectors_auth(
            case["user_secret"],
            organization_secret=case["organization_secret"],
            element_token=case["element_token"],
        )
        == expected
    )
    # The optional parts default to None: leaving them out gives the same value.
    optional = {k: case[k] for k in ("organization_secret", "element_token") if case[k] is not None}
    assert authwire.open_connectors_auth(case["user_secret"], **optional) == expected


def test_open_connectors_invalid(open_connectors_invalid_case: dict[str, Any]) -> None:
    case = open_connectors_invalid_case
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.open_connectors_auth(
            case["user_secret"],
            organization_secret=case["organization_secret"],
            element_token=case["element_token"],
        )
    assert_readable_error(
        caught.value,
        authwire.AuthError.InvalidInput,
        "invalid input: ",
        [case["user_secret"], case["organization_secret"], case["element_token"]],
    )


def check_api_key(key: authwire.ApiKey, file: dict[str, Any], api_key: str) -> None:
    assert isinstance(key, authwire.ApiKey)
    assert key.app_client_id == file["appClientId"]
    assert key.app_client_secret == file["appClientSecret"]
    assert key.encoded_key == api_key


def test_api_key_file(api_key_file_case: dict[str, Any], tmp_path) -> None:
    file, api_key = api_key_file_case["json"], api_key_file_case["token_request_body"]["apiKey"]

    from_json = authwire.ApiKey.from_json(json.dumps(file))
    check_api_key(from_json, file, api_key)

    path = tmp_path / "api-key.json"
    path.write_text(json.dumps(file, indent=2), encoding="utf-8")
    from_file = authwire.ApiKey.from_file(str(path))
    check_api_key(from_file, file, api_key)
    assert from_file == from_json

    from_key = authwire.ApiKey.from_encoded_key(api_key)
    assert from_key.encoded_key == api_key
    assert from_key.app_client_id is None
    assert from_key.app_client_secret is None
    assert from_key != from_json


def test_api_key_file_invalid(api_key_file_invalid_case: dict[str, Any], tmp_path) -> None:
    text = api_key_file_invalid_case["text"]
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        authwire.ApiKey.from_json(text)
    assert_readable_error(caught.value, authwire.AuthError.InvalidConfiguration, "invalid configuration: ", [text])

    path = tmp_path / "api-key.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        authwire.ApiKey.from_file(str(path))
    assert_readable_error(caught.value, authwire.AuthError.InvalidConfiguration, "invalid configuration: ", [text])


def test_api_key_missing_file(tmp_path) -> None:
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        authwire.ApiKey.from_file(str(tmp_path / "no-such-key.json"))
    assert_readable_error(caught.value, authwire.AuthError.InvalidConfiguration, "invalid configuration: ", [])


@pytest.mark.parametrize("encoded_key", ["", "abc def", "abc\r\nX-Evil: 1"], ids=["empty", "space", "CR LF"])
def test_api_key_invalid_encoded_key(encoded_key: str) -> None:
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        authwire.ApiKey.from_encoded_key(encoded_key)
    assert_readable_error(
        caught.value, authwire.AuthError.InvalidConfiguration, "invalid configuration: ", [encoded_key]
    )
