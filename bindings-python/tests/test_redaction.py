"""No secret from the vectors ever shows in ``repr``/``str`` of an ApiKey, BasicCredentials
or AuthError, including errors for invalid inputs that carry a secret."""

from __future__ import annotations

import base64
import json
import traceback
from typing import Any, Callable
from urllib.parse import quote

import pytest

import authwire
from localserver import Reply

#: How a secret shows in a repr (Python syntax) and in the core's sentences.
REDACTED = "<redacted>"
CORE_REDACTED = "[redacted]"
CONTROL = {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}


def assert_hidden(rendered: str, secret: str) -> None:
    escaped = repr(secret)[1:-1]  # as a repr() or a Rust Debug would escape it
    assert secret not in rendered and escaped not in rendered, (
        f"a rendering shows a secret of {len(secret)} characters: {rendered!r}"
    )


def error_renderings(error: BaseException) -> list[str]:
    return [
        str(error),
        repr(error),
        repr(error.args),
        "".join(traceback.format_exception_only(type(error), error)),
    ]


def assert_error_hides(call: Callable[[], Any], secret: str, variant: type, prefix: str) -> None:
    with pytest.raises(variant) as caught:
        call()
    error = caught.value
    assert isinstance(error, authwire.AuthError)
    assert str(error).startswith(prefix), str(error)
    for rendered in error_renderings(error):
        assert_hidden(rendered, secret)


def assert_invalid_input_hides(call: Callable[[], Any], secret: str) -> None:
    assert_error_hides(call, secret, authwire.AuthError.InvalidInput, "invalid input: ")


def assert_invalid_configuration_hides(call: Callable[[], Any], secret: str) -> None:
    assert_error_hides(call, secret, authwire.AuthError.InvalidConfiguration, "invalid configuration: ")


def assert_object_redacted(value: object, secrets: list[str]) -> None:
    for rendered in (repr(value), str(value), f"{value}", f"{value!r}"):
        assert REDACTED in rendered or CORE_REDACTED in rendered, rendered
        for secret in secrets:
            assert_hidden(rendered, secret)


# --- ApiKey and BasicCredentials -------------------------------------------------------


def test_api_key_from_file_contents_is_redacted(api_key_file_case: dict[str, Any], tmp_path) -> None:
    file = api_key_file_case["json"]
    secrets = [file["appClientSecret"], file["encodedKey"], api_key_file_case["token_request_body"]["apiKey"]]
    path = tmp_path / "key.json"
    path.write_text(json.dumps(file), encoding="utf-8")
    for key in (authwire.ApiKey.from_json(json.dumps(file)), authwire.ApiKey.from_file(str(path))):
        assert_object_redacted(key, secrets)
        # The client id is not a secret and identifies the key.
        assert file["appClientId"] in str(key)


def test_api_key_from_encoded_key_is_redacted(token_secret: str) -> None:
    key = authwire.ApiKey.from_encoded_key(token_secret)
    assert key.encoded_key == token_secret
    assert_object_redacted(key, [token_secret])


def test_basic_credentials_are_redacted(basic_case: dict[str, Any]) -> None:
    user_id, password = basic_case["user_id"], basic_case["password"]
    credentials = authwire.decode_basic(authwire.basic_auth(user_id, password))
    assert_object_redacted(credentials, [password] if password else [])
    assert user_id in str(credentials)


def test_basic_credentials_with_a_vector_secret_are_redacted(vector_secret: str) -> None:
    if set(vector_secret) & CONTROL:
        # Such a password is refused, and the refusal does not show it.
        assert_invalid_input_hides(lambda: authwire.basic_auth("alice", vector_secret), vector_secret)
        return
    credentials = authwire.decode_basic(authwire.basic_auth("alice", vector_secret))
    assert credentials.password == vector_secret
    assert_object_redacted(credentials, [vector_secret])


# --- Errors of the header builders and the parser ---------------------------------------


def test_basic_auth_error_does_not_show_the_password() -> None:
    assert_invalid_input_hides(lambda: authwire.basic_auth("a:b", "SECRETPW"), "SECRETPW")


@pytest.mark.parametrize(
    "make_args",
    [
        pytest.param(lambda s: ("a:b", s), id="colon in the user-id"),
        pytest.param(lambda s: ("a\r\nX-Evil: 1", s), id="CR LF in the user-id"),
        pytest.param(lambda s: ("a\x00", s), id="NUL in the user-id"),
        pytest.param(lambda s: ("alice", s + "\r\nX-Evil: 1"), id="CR LF after the password"),
        pytest.param(lambda s: ("alice", "\x7f" + s), id="DEL before the password"),
        pytest.param(lambda s: ("alice", s + "\x85"), id="C1 control after the password"),
    ],
)
def test_basic_auth_errors_hide_the_secret(vector_secret: str, make_args: Callable[[str], tuple[str, str]]) -> None:
    user_id, password = make_args(vector_secret)
    assert_invalid_input_hides(lambda: authwire.basic_auth(user_id, password), vector_secret)


def test_decode_basic_errors_hide_the_secret(vector_secret: str) -> None:
    no_colon = vector_secret.replace(":", "")
    not_utf8 = b"\xff\xfe" + vector_secret.encode("utf-8")
    cases = [
        (f"Bearer {vector_secret}", vector_secret),
        (f"Basic {vector_secret}!", vector_secret),
        (vector_secret, vector_secret),
        ("Basic " + base64.b64encode(no_colon.encode("utf-8")).decode("ascii"), no_colon),
        ("Basic " + base64.b64encode(not_utf8).decode("ascii"), vector_secret),
    ]
    for value, secret in cases:
        assert_invalid_input_hides(lambda: authwire.decode_basic(value), secret)
        # The base64 of a Basic value is a secret too.
        encoded = value.partition(" ")[2]
        if len(encoded) >= 4:
            assert_invalid_input_hides(lambda: authwire.decode_basic(value), encoded)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: authwire.bearer_auth(s + " x"), id="bearer: space"),
        pytest.param(lambda s: authwire.bearer_auth(s + "\r\nX-Evil: 1"), id="bearer: CR LF"),
        pytest.param(lambda s: authwire.bearer_auth(s + "\t"), id="bearer: tab"),
        pytest.param(lambda s: authwire.bearer_auth(s + "\u00e9"), id="bearer: non-ASCII"),
        pytest.param(lambda s: authwire.scheme_auth("Token", s + '"'), id="scheme: unterminated quote"),
        pytest.param(lambda s: authwire.scheme_auth("Token", f'token="{s}" x="1"'), id="scheme: no comma"),
        pytest.param(
            lambda s: authwire.scheme_auth("Token", f'token="{s}\r\n"'), id="scheme: CR LF in a quoted string"
        ),
        pytest.param(lambda s: authwire.scheme_auth("Bad Scheme", s), id="scheme: invalid scheme"),
        pytest.param(lambda s: authwire.scheme_auth("Token", s + " x y"), id="scheme: spaces"),
        pytest.param(lambda s: authwire.scheme_auth("Token", s + "\n"), id="scheme: LF"),
        pytest.param(lambda s: authwire.open_connectors_auth(s + ",x"), id="oc: comma in user"),
        pytest.param(lambda s: authwire.open_connectors_auth(s, organization_secret=s + " x"), id="oc: space in org"),
        pytest.param(
            lambda s: authwire.open_connectors_auth(s, organization_secret=s, element_token=s + "\r\nX-Evil: 1"),
            id="oc: CR LF in element",
        ),
        pytest.param(
            lambda s: authwire.open_connectors_auth(s, organization_secret="", element_token=s), id="oc: empty org"
        ),
        pytest.param(
            lambda s: authwire.open_connectors_auth("", organization_secret=s, element_token=s), id="oc: empty user"
        ),
    ],
)
def test_token_builder_errors_hide_the_secret(token_secret: str, call: Callable[[str], Any]) -> None:
    assert_invalid_input_hides(lambda: call(token_secret), token_secret)


# --- scheme_auth_params: the values may be secrets ----------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("token", s + "\r\nX-Evil: 1")]), id="CR LF"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", {"token": s + "\n"}), id="LF, a dict"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("token", "\x00" + s)]), id="NUL"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("token", s + "\x7f")]), id="DEL"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("token", s + "\u00e9")]), id="non-ASCII"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("a", s), ("b", "x\r")]), id="CR in the next"),
        pytest.param(lambda s: authwire.scheme_auth_params("To ken", [("token", s)]), id="invalid scheme"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("to ken", s)]), id="invalid name"),
        pytest.param(lambda s: authwire.scheme_auth_params("Token", [("", s)]), id="empty name"),
        pytest.param(
            lambda s: authwire.scheme_auth_params("Token", (p for p in [("token", s), ("c", "caf\u00e9")])),
            id="non-ASCII in the next, a generator",
        ),
    ],
)
def test_scheme_auth_params_errors_hide_the_values(token_secret: str, call: Callable[[str], Any]) -> None:
    assert_invalid_input_hides(lambda: call(token_secret), token_secret)


def test_scheme_auth_params_errors_hide_every_vector_secret(vector_secret: str) -> None:
    # Appended CR LF: refused whatever the secret is, and the refusal does not show it.
    assert_invalid_input_hides(
        lambda: authwire.scheme_auth_params("Token", [("token", vector_secret + "\r\nX-Evil: 1")]), vector_secret
    )
    if all(c == "\t" or " " <= c <= "~" for c in vector_secret):
        value = authwire.scheme_auth_params("Token", {"token": vector_secret})
        escaped = vector_secret.replace("\\", "\\\\").replace('"', '\\"')
        assert value == f'Token token="{escaped}"'
    else:
        assert_invalid_input_hides(
            lambda: authwire.scheme_auth_params("Token", {"token": vector_secret}), vector_secret
        )


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(lambda s: [("token", s, "extra")], id="a 3-tuple"),
        pytest.param(lambda s: [s], id="a str instead of a pair"),
        pytest.param(lambda s: [("token", s.encode())], id="a bytes value"),
        pytest.param(lambda s: {s.encode(): "x"}, id="a bytes name"),
        pytest.param(lambda s: s, id="a str instead of pairs"),
    ],
)
def test_scheme_auth_params_type_errors_hide_the_values(token_secret: str, params: Callable[[str], Any]) -> None:
    with pytest.raises(TypeError) as caught:
        authwire.scheme_auth_params("Token", params(token_secret))
    for rendered in [
        str(caught.value),
        repr(caught.value),
        "".join(traceback.format_exception(type(caught.value), caught.value, caught.value.__traceback__)),
    ]:
        assert_hidden(rendered, token_secret)


# --- Errors of API-key files -------------------------------------------------------------


def key_file(app_client_id: str, app_client_secret: Any, encoded_key: Any) -> str:
    return json.dumps({"appClientId": app_client_id, "appClientSecret": app_client_secret, "encodedKey": encoded_key})


INVALID_KEY_FILES: list[tuple[str, Callable[[str], str]]] = [
    ("invalid JSON after the secrets", lambda s: key_file("client", s, s)[:-1] + ", oops"),
    ("trailing text after a valid file", lambda s: key_file("client", s, s) + " trailing"),
    ("unterminated object", lambda s: '{"appClientSecret": "%s", "encodedKey": "%s"' % (s, s)),
    ("invalid escape after the secret", lambda s: '{"appClientId": "c", "encodedKey": "%s\\q"}' % s),
    ("missing encodedKey", lambda s: json.dumps({"appClientId": "c", "appClientSecret": s})),
    ("secret inside an array", lambda s: key_file("c", [s], "k")),
    ("secret inside an object", lambda s: key_file("c", "s", {"value": s})),
    ("whitespace in appClientSecret", lambda s: key_file("c", s + " x", "k")),
    ("LF in encodedKey", lambda s: key_file("c", "s", s + "\n")),
    ("empty appClientId", lambda s: key_file("", s, s)),
    ("an array, not an object", lambda s: json.dumps([s])),
    ("a string, not an object", lambda s: json.dumps(s)),
    ("the secret alone", lambda s: s),
]


@pytest.mark.parametrize("make_text", [p[1] for p in INVALID_KEY_FILES], ids=[p[0] for p in INVALID_KEY_FILES])
def test_api_key_file_errors_hide_the_secret(token_secret: str, make_text: Callable[[str], str], tmp_path) -> None:
    text = make_text(token_secret)
    assert_invalid_configuration_hides(lambda: authwire.ApiKey.from_json(text), token_secret)
    path = tmp_path / "key.json"
    path.write_text(text, encoding="utf-8")
    assert_invalid_configuration_hides(lambda: authwire.ApiKey.from_file(str(path)), token_secret)


@pytest.mark.parametrize("field", ["appClientSecret", "encodedKey"])
def test_api_key_numeric_secret_is_hidden(field: str) -> None:
    number = 9876543210123456789
    document = {"appClientId": "c", "appClientSecret": "s", "encodedKey": "k", field: number}
    assert_invalid_configuration_hides(lambda: authwire.ApiKey.from_json(json.dumps(document)), str(number))


@pytest.mark.parametrize("suffix", [" x", "\r\n", "\t"], ids=["space", "CR LF", "tab"])
def test_api_key_invalid_encoded_key_is_hidden(token_secret: str, suffix: str) -> None:
    assert_invalid_configuration_hides(lambda: authwire.ApiKey.from_encoded_key(token_secret + suffix), token_secret)


def test_invalid_vector_errors_hide_their_values(vectors: dict[str, Any]) -> None:
    """The vectors' own invalid cases: no value of at least 4 characters shows."""
    checked = 0
    calls: list[tuple[Callable[[], Any], list[str]]] = []
    for case in vectors["basic_invalid"]:
        calls.append(
            (lambda c=case: authwire.basic_auth(c["user_id"], c["password"]), [case["user_id"], case["password"]])
        )
    for case in vectors["bearer_invalid"]:
        calls.append((lambda c=case: authwire.bearer_auth(c["token"]), [case["token"]]))
    for case in vectors["open_connectors_invalid"]:
        parts = [case["user_secret"], case["organization_secret"], case["element_token"]]
        calls.append(
            (
                lambda c=case: authwire.open_connectors_auth(
                    c["user_secret"], organization_secret=c["organization_secret"], element_token=c["element_token"]
                ),
                [p for p in parts if p is not None],
            )
        )
    for case in vectors["scheme_invalid"]:
        calls.append((lambda c=case: authwire.scheme_auth(c["scheme"], c["credentials"]), [case["credentials"]]))
    for case in vectors["scheme_params_invalid"]:
        pairs = [(name, value) for name, value in case["params"]]
        calls.append(
            (lambda c=case, p=pairs: authwire.scheme_auth_params(c["scheme"], p), [value for _, value in pairs])
        )
    for case in vectors["basic_decode_invalid"]:
        calls.append(
            (lambda c=case: authwire.decode_basic(c["header_value"]), [case["header_value"].partition(" ")[2]])
        )
    for call, values in calls:
        for value in values:
            if len(value) >= 4:
                assert_invalid_input_hides(call, value)
        checked += 1
    assert checked >= 23
    # A client id that CLIENT_SECRET_BASIC_UNENCODED cannot send: refused at construction,
    # without the secret.
    unencodable = [case for case in vectors["client_auth"] if case["basic_unencoded"] is None]
    assert unencodable
    for case in unencodable:
        assert_invalid_configuration_hides(
            lambda c=case: authwire.TokenManager.client_credentials(
                "https://auth.example.com/token",
                c["client_id"],
                c["client_secret"],
                auth_method=authwire.ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED,
            ),
            case["client_secret"],
        )


# --- OAuth2 errors of the token endpoint -------------------------------------------------


def test_oauth_errors_hide_the_client_secret_in_every_form(client_auth_case: dict[str, Any], serve: Any) -> None:
    """A token server that echoes the credentials it received in its error: the typed
    ``AuthError.OAuth`` shows none of them, in any form they travelled in, with every client
    authentication method."""
    case = client_auth_case
    client_id, secret = case["client_id"], case["client_secret"]
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="").replace("%20", "+"),
        case["basic"].partition(" ")[2],
        case["post_body"].rpartition("client_secret=")[2],
    }
    if case["basic_unencoded"]:
        forms.add(case["basic_unencoded"].partition(" ")[2])

    def answer(request: Any, _: int) -> Any:
        echoed = f"{request.header('authorization')} {request.text}"
        return Reply.json(401, {"error": "invalid_client", "error_description": f"unknown client: {echoed}"})

    server = serve(answer)
    methods = list(authwire.ClientAuthMethod)
    assert len(methods) == 3
    for auth_method in methods:
        if auth_method is authwire.ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED and case["basic_unencoded"] is None:
            continue  # refused at construction: test_invalid_vector_errors_hide_their_values
        manager = authwire.TokenManager.client_credentials(
            server.url("/oauth/token"), client_id, secret, auth_method=auth_method
        )
        with pytest.raises(authwire.AuthError.OAuth) as caught:
            manager.authorization()
        error = caught.value
        assert (error.status, error.error) == (401, "invalid_client")
        assert "[redacted]" in error.description, auth_method
        for rendered in [*error_renderings(error), error.description]:
            for form in forms:
                if len(form) >= 4:
                    assert_hidden(rendered, form)
