"""authwire over `cryptography <https://cryptography.io>`_ keys: ``pip install cryptography``.

:class:`CryptographySigner` signs the JWT assertions of a :class:`authwire.TokenManager` with a
``cryptography`` private key object: a key loaded from a keystore, a vault or an HSM-backed
provider, or one the application generated, without ever writing it out as PEM:

>>> from cryptography.hazmat.primitives.asymmetric import ec
>>> import authwire
>>> from authwire.cryptography import CryptographySigner
>>> signer = CryptographySigner(ec.generate_private_key(ec.SECP256R1()), key_id="2X9R4HXF34")
>>> signer
CryptographySigner(algorithm=JwtAlgorithm.ES256, key_id='2X9R4HXF34', private_key=<redacted>)
>>> manager = authwire.TokenManager.app_store_connect("57246542-96fe-1a63-e053-0824d011072a", signer)

For a PEM key (a file or a secret's text), ``authwire.pem_signer(pem, key_id)`` is simpler and
faster: the core reads and signs with it itself, without calling back into Python.

``cryptography`` is imported when the first signer is made, so ``import authwire`` and
``import authwire.cryptography`` never need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._ffi import AuthError, JwtAlgorithm, JwtSigner, SignerError

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = ["CryptographySigner"]

#: RS256 keys shorter than this are refused (RFC 7518 section 3.3 requires 2048 bits).
MIN_RSA_BITS = 2048


class CryptographySigner(JwtSigner):
    """Signs JWT assertions with a ``cryptography`` private key; give it to any
    :class:`authwire.TokenManager` constructor that takes a ``signer``.

    * an ``RSAPrivateKey`` (2048 bits or more) signs RS256: RSASSA-PKCS1-v1_5 with SHA-256
      (Google service accounts, GitHub Apps, most ``private_key_jwt`` clients);
    * an ``EllipticCurvePrivateKey`` on P-256 (``SECP256R1``) signs ES256: ECDSA with SHA-256
      (App Store Connect and other Apple APIs).

    ``key_id`` becomes the JWT header's ``kid`` (Google's ``private_key_id``, App Store
    Connect's key id); ``None`` leaves it out.

    The core calls :meth:`sign` on its own threads, once per assertion (one per token
    request, or per token for a self-signed JWT). ``repr()`` shows the algorithm and key id,
    never the key.

    ``private_key`` may be any key that ``load_pem_private_key`` returns, but only RSA and
    P-256 keys sign JWTs here: ``TypeError`` for any other object (for a PEM text use
    ``authwire.pem_signer``), ``AuthError.InvalidConfiguration`` for an EC key on another curve
    than P-256 or an RSA key under 2048 bits, and ``ImportError`` when ``cryptography`` is not
    installed.
    """

    __slots__ = ("_algorithm", "_key_id", "_sign")

    _algorithm: JwtAlgorithm
    _key_id: str | None
    _sign: Callable[[bytes], bytes]

    def __init__(self, private_key: PrivateKeyTypes, key_id: str | None = None) -> None:
        try:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        except ImportError as error:  # pragma: no cover - depends on the installed packages
            raise ImportError("CryptographySigner needs cryptography: pip install cryptography") from error
        if key_id is not None and not isinstance(key_id, str):
            raise TypeError(f"key_id must be a str or None, not {type(key_id).__name__}")
        if isinstance(private_key, rsa.RSAPrivateKey):
            if private_key.key_size < MIN_RSA_BITS:
                raise AuthError.InvalidConfiguration(
                    f"the private key: an RSA key of {private_key.key_size} bits is too short for RS256 "
                    f"(at least {MIN_RSA_BITS} bits)"
                )
            pkcs1v15, sha256 = padding.PKCS1v15(), hashes.SHA256()
            rsa_key = private_key
            self._algorithm = JwtAlgorithm.RS256
            self._sign = lambda message: rsa_key.sign(message, pkcs1v15, sha256)
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            if not isinstance(private_key.curve, ec.SECP256R1):
                raise AuthError.InvalidConfiguration(
                    f"the private key: an EC key on {private_key.curve.name} cannot sign ES256 "
                    "(only P-256, secp256r1, is supported)"
                )
            ecdsa = ec.ECDSA(hashes.SHA256())
            ec_key = private_key
            self._algorithm = JwtAlgorithm.ES256
            # DER ECDSA-Sig-Value: the core converts it to the JWS form (r || s).
            self._sign = lambda message: ec_key.sign(message, ecdsa)
        else:
            if isinstance(private_key, (str, bytes)):
                hint = " (for a PEM text use authwire.pem_signer)"
            elif hasattr(private_key, "verify"):
                hint = " (a public key cannot sign)"
            else:
                hint = ""
            raise TypeError(
                "CryptographySigner needs a cryptography RSAPrivateKey or EllipticCurvePrivateKey (P-256), "
                f"not {type(private_key).__name__}{hint}"
            )
        self._key_id = key_id

    def algorithm(self) -> JwtAlgorithm:
        """``JwtAlgorithm.RS256`` for an RSA key, ``JwtAlgorithm.ES256`` for a P-256 key."""
        return self._algorithm

    def key_id(self) -> str | None:
        """The ``kid`` of the JWT header, or ``None``."""
        return self._key_id

    def sign(self, message: bytes) -> bytes:
        """The signature of ``message`` (the JWS signing input), hashed with SHA-256 (called by
        the core). Raises ``SignerError.Failed``, without key material, when the key cannot sign."""
        try:
            return self._sign(bytes(message))
        except Exception as error:
            # The type only: an exception's text could quote something it should not.
            raise SignerError.Failed(f"cryptography could not sign ({type(error).__name__})") from None

    def __repr__(self) -> str:
        algorithm, key_id = self._algorithm.name, self._key_id
        return f"CryptographySigner(algorithm=JwtAlgorithm.{algorithm}, key_id={key_id!r}, private_key=<redacted>)"
