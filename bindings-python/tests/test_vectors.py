"""Every case of the shared vectors, through the package's top-level names."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

import authwire

CASE_SUFFIX = "_case"  # conftest.py parametrizes every argument named "<section>_case"

# Cases each section had when these tests were written: vectors may be added, never lost.
MIN_CASES = {
    "basic": 4,
    "basic_invalid": 4,
    "basic_decode_invalid": 1,
    "bearer": 3,
    "bearer_invalid": 4,
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
    assert text in repr(error)
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
    assert credentials.user_id() == user_id
    assert credentials.password() == password


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
    assert key.app_client_id() == file["appClientId"]
    assert key.app_client_secret() == file["appClientSecret"]
    assert key.encoded_key() == api_key


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
    assert from_key.encoded_key() == api_key
    assert from_key.app_client_id() is None
    assert from_key.app_client_secret() is None
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
