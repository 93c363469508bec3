"""Property tests: Basic values round-trip for arbitrary Unicode and never span lines, and
every builder either returns a value or raises AuthError, whatever the input."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import authwire

# Any Unicode scalar value Python can pass to the core (no lone surrogates) except the
# C0/C1 controls (category Cc).
no_control = st.characters(exclude_categories=("Cc", "Cs"))
no_control_text = st.text(alphabet=no_control)
user_id_text = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=":"))
control_char = st.characters(categories=("Cc",))
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)))

B64TOKEN = r"[A-Za-z0-9\-._~+/]+=*"  # RFC 6750 section 2.1
b64token = st.from_regex(B64TOKEN, fullmatch=True)


VISIBLE_TOKEN = r"[\x21-\x7e]+"  # any non-empty visible ASCII: tokens as providers issue them
visible_token = st.from_regex(VISIBLE_TOKEN, fullmatch=True)


def is_visible_token(text: str) -> bool:
    return re.fullmatch(VISIBLE_TOKEN, text, flags=re.ASCII) is not None


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def is_b64token(text: str) -> bool:
    return re.fullmatch(B64TOKEN, text, flags=re.ASCII) is not None


def insert(text: str, char: str, where: int) -> str:
    at = where % (len(text) + 1)
    return text[:at] + char + text[at:]


@given(user_id=user_id_text, password=no_control_text)
@example(user_id="Aladdin", password="open sesame")
@example(user_id="", password="")
@example(user_id="\u2028x\u00a0", password="pa:ss\u2029")  # separators are not Cc
@example(user_id="A" * 100, password="S" * 100)  # longer than a 76-character base64 line
@example(user_id="u", password="??>>")  # base64 with '/' and '+': the standard alphabet
def test_basic_round_trips_and_is_one_line(user_id: str, password: str) -> None:
    value = authwire.basic_auth(user_id, password)
    assert "\r" not in value and "\n" not in value
    assert value.startswith("Basic ")
    assert set(value[len("Basic ") :]) <= set(string.ascii_letters + string.digits + "+/=")
    credentials = authwire.decode_basic(value)
    assert credentials.user_id == user_id
    assert credentials.password == password


@given(user_id=user_id_text, password=no_control_text, where=st.integers(min_value=0), colons=st.integers(1, 3))
def test_colon_in_user_id_is_rejected(user_id: str, password: str, where: int, colons: int) -> None:
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.basic_auth(insert(user_id, ":" * colons, where), password)
    assert str(caught.value).startswith("invalid input: ")


@given(
    user_id=user_id_text,
    password=no_control_text,
    control=control_char,
    where=st.integers(min_value=0),
    in_password=st.booleans(),
)
@example(user_id="a", password="x", control="\r", where=1, in_password=False)
@example(user_id="a", password="x", control="\n", where=1, in_password=True)
@example(user_id="a", password="x", control="\x00", where=1, in_password=False)
@example(user_id="a", password="x", control="\x85", where=0, in_password=True)
def test_control_character_is_rejected(
    user_id: str, password: str, control: str, where: int, in_password: bool
) -> None:
    if in_password:
        password = insert(password, control, where)
    else:
        user_id = insert(user_id, control, where)
    with pytest.raises(authwire.AuthError.InvalidInput) as caught:
        authwire.basic_auth(user_id, password)
    assert str(caught.value).startswith("invalid input: ")


@given(user_id=any_text, password=any_text)
def test_basic_auth_returns_one_line_or_raises(user_id: str, password: str) -> None:
    try:
        value = authwire.basic_auth(user_id, password)
    except authwire.AuthError.InvalidInput:
        assert ":" in user_id or any(map(is_control, user_id + password))
    else:
        assert not any(map(is_control, value))
        assert authwire.decode_basic(value).password == password


@given(token=b64token)
def test_bearer_accepts_every_b64token(token: str) -> None:
    assert authwire.bearer_auth(token) == f"Bearer {token}"
    assert authwire.scheme_auth("Bearer", token) == f"Bearer {token}"


@given(token=visible_token)
@example(token="abc=d")
@example(token="00Dxx!AR8.x")
@example(token="123|abc")
@example(token='a"b')
def test_bearer_accepts_every_visible_ascii_token(token: str) -> None:
    assert authwire.bearer_auth(token) == f"Bearer {token}"


@given(
    token=b64token
    | visible_token
    | any_text
    | st.builds(insert, visible_token, st.characters(exclude_categories=("Cs",)), st.integers(0))
)
def test_bearer_accepts_exactly_visible_ascii_tokens(token: str) -> None:
    try:
        value = authwire.bearer_auth(token)
    except authwire.AuthError.InvalidInput:
        assert not is_visible_token(token)
    else:
        assert is_visible_token(token)
        assert value == f"Bearer {token}"


@given(
    scheme=st.from_regex(r"[A-Za-z][A-Za-z0-9\-]{0,10}", fullmatch=True),
    params=st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+", fullmatch=True),
            st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_scheme_auth_params_output_is_accepted_by_scheme_auth(scheme: str, params: list[tuple[str, str]]) -> None:
    value = authwire.scheme_auth_params(scheme, params)
    assert value.startswith(f"{scheme} ")
    assert authwire.scheme_auth(scheme, value[len(scheme) + 1 :]) == value


@given(value=any_text)
@example(value="Basic")
@example(value="Basic ")
@example(value="basic Og==")  # ":" alone: empty user-id and password
@example(value="Basic \u00e9")
def test_decode_basic_returns_credentials_or_raises(value: str) -> None:
    try:
        credentials = authwire.decode_basic(value)
    except authwire.AuthError.InvalidInput as error:
        assert str(error).startswith("invalid input: ")
    else:
        assert isinstance(credentials, authwire.BasicCredentials)


@given(user=any_text, organization=st.none() | any_text, element=st.none() | any_text)
def test_open_connectors_returns_one_line_or_raises(user: str, organization: str | None, element: str | None) -> None:
    try:
        value = authwire.open_connectors_auth(user, organization_secret=organization, element_token=element)
    except authwire.AuthError.InvalidInput as error:
        assert str(error).startswith("invalid input: ")
    else:
        parts = [f"User {user}"]
        if organization is not None:
            parts.append(f"Organization {organization}")
        if element is not None:
            parts.append(f"Element {element}")
        assert value == ", ".join(parts)
        assert not any(ch.isspace() and ch != " " for ch in value)
        assert not any(map(is_control, value))


@given(text=any_text)
@example(text="{}")
@example(text="null")
@example(text='{"appClientId": "c", "appClientSecret": "s", "encodedKey": "k"}')
def test_api_key_from_json_returns_a_key_or_raises(text: str) -> None:
    try:
        key = authwire.ApiKey.from_json(text)
    except authwire.AuthError.InvalidConfiguration as error:
        assert str(error).startswith("invalid configuration: ")
    else:
        assert isinstance(key, authwire.ApiKey)
        assert key.encoded_key
