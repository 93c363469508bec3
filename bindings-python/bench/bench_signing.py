"""The cost of signing one JWT assertion, RS256 (RSA-2048) and ES256 (P-256).

For each algorithm, with the core's built-in signer (``authwire.pem_signer``, ring) and with
``authwire.cryptography.CryptographySigner`` (OpenSSL through ``cryptography``, called back
from the core):

* ``sign`` direct: ``signer.sign(message)`` called from Python (for ``pem_signer`` one call
  into the core; for ``CryptographySigner`` no crossing at all);
* through a manager: ``TokenManager.self_signed_jwt`` with ``invalidate`` + ``authorization``
  in a loop, so every iteration builds, signs and encodes a new JWT in the core (for
  ``CryptographySigner`` the core calls back into Python to sign).

Usage: ``python bench/bench_signing.py [--seconds 1.0]`` (needs ``cryptography``). Prints one
line per case: microseconds per assertion (median of 5 runs) and assertions per second.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

import authwire
from authwire.cryptography import CryptographySigner

# A JWS signing input of the size the core signs (header and claims of a Google assertion).
MESSAGE = b"eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0." + b"e" * 260


def per_call_us(call: Callable[[], object], seconds: float) -> float:
    """Microseconds per call: the median of 5 runs of about ``seconds / 5`` each."""
    call()  # warm-up
    results = []
    for _ in range(5):
        count, started = 0, time.perf_counter()
        deadline = started + seconds / 5
        while True:
            for _ in range(10):
                call()
            count += 10
            now = time.perf_counter()
            if now >= deadline:
                break
        results.append((now - started) / count * 1e6)
    return statistics.median(results)


def through_manager(signer: authwire.JwtSigner) -> Callable[[], object]:
    # The refresh-loop guard would stop a loop of invalidations: allow it here.
    options = authwire.TokenOptions(loop_max_invalidations=1_000_000_000)
    manager = authwire.TokenManager.self_signed_jwt(signer, "bench", "https://api.example.com/", options=options)

    def once() -> object:
        manager.invalidate(manager.authorization())
        return manager.authorization()

    once()
    return once


def pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per case (default 1.0)")
    seconds = parser.parse_args().seconds
    keys: dict[str, PrivateKeyTypes] = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
    }
    print(f"{'case':<67} {'µs/assertion':>13} {'per second':>11}")
    for algorithm, key in keys.items():
        signers: dict[str, authwire.JwtSigner] = {
            "pem_signer": authwire.pem_signer(pem(key), "k1"),
            "CryptographySigner": CryptographySigner(key, key_id="k1"),
        }
        for name, signer in signers.items():
            assert signer.algorithm().name == algorithm
            for how, call in (
                ("sign() direct", functools.partial(signer.sign, MESSAGE)),
                ("self_signed_jwt invalidate+authorization", through_manager(signer)),
            ):
                us = per_call_us(call, seconds)
                print(f"{algorithm} {name:<18} {how:<41} {us:>13.1f} {1e6 / us:>11,.0f}")


if __name__ == "__main__":
    main()
