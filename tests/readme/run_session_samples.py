"""Runs the Rust user-session samples of docs/guides/sessions.md against the real servers of
tests/scenarios/session_servers.py (Authlib and django-oauth-toolkit) and checks what they print.

- ``readme_session``: PKCE sign-in (the servers' redirect stands in for the browser), a session
  shared through a file store, sign-out seen by the other manager.
- ``readme_device``: the device flow; this script approves the code it prints, as the user
  would on their phone.
- ``readme_handover``: a session from tokens another library obtained; here from a real PKCE
  sign-in done by this script.

Usage: ``.venv/bin/python tests/readme/run_session_samples.py`` from the repository root.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import urllib.parse
import urllib.request


def post_json(url: str, body: dict) -> None:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200, answer.status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in(urls: dict, client: dict) -> dict:
    """A PKCE sign-in done here, as another library would: the token endpoint's answer."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
        "scope": "read", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{urls['authorize']}?{query}")
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    form = urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"],
        "code_verifier": verifier, "client_id": client["client_id"],
    }).encode()
    with urllib.request.urlopen(urllib.request.Request(urls["token"], form)) as answer:
        return json.load(answer)


def example(name: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(["cargo", "run", "-q", "-p", "authwire", "--example", name],
                            env=dict(os.environ, **env), stdout=subprocess.PIPE, text=True)


def main() -> int:
    servers = subprocess.Popen([sys.executable, "tests/scenarios/session_servers.py"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    info = json.loads(servers.stdout.readline())  # type: ignore[union-attr]
    client = info["public_client"]
    try:
        for name in ("authlib", "dot"):
            urls = info[name]
            env = {"AUTHORIZE_URL": urls["authorize"], "TOKEN_URL": urls["token"], "REVOKE_URL": urls["revoke"],
                   "DEVICE_URL": urls["device"], "CLIENT_ID": client["client_id"],
                   "REDIRECT_URI": client["redirect_uri"]}
            out, _ = example("readme_session", env).communicate(timeout=120)
            assert out.split() == ["true", "true", "sign", "in", "again"], f"readme_session ({name}): {out!r}"

            post_json(f"{urls['control']}/device/script", {"interval": 1})
            device = example("readme_device", env)
            shown = device.stdout.readline()  # type: ignore[union-attr]
            assert shown.startswith("Open https://"), shown
            post_json(f"{urls['control']}/device/approve", {"user_code": shown.split()[-1]})
            out, _ = device.communicate(timeout=120)
            assert device.returncode == 0 and out.split() == ["true"], f"readme_device ({name}): {out!r}"

            tokens = sign_in(urls, client)
            out, _ = example("readme_handover", dict(env, ACCESS_TOKEN=tokens["access_token"],
                                                    REFRESH_TOKEN=tokens["refresh_token"],
                                                    EXPIRES_IN=str(tokens["expires_in"]),
                                                    SCOPE=tokens.get("scope", ""))).communicate(timeout=120)
            lines = out.splitlines()
            assert lines[-1] == "true" and "[redacted]" in lines[0], f"readme_handover ({name}): {out!r}"
            assert tokens["refresh_token"] not in out and tokens["access_token"] not in out
            print(f"the Rust session samples against {name}: ok")
    finally:
        servers.stdin.close()  # type: ignore[union-attr]
        servers.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
