"""``FileStore`` and ``RedisStore``: the core's token stores, as Python classes.

Give one to the managers of every process that uses the same credential, through
``TokenOptions(store=...)``: the fleet then sends one token request per token lifetime
instead of one per process. A store never holds the credential, and holds the token only
sealed with a key derived from the credential. A store that fails never fails a caller: the
manager requests its own tokens meanwhile and reports ``AuthEvent.StoreUnavailable``.

To share through anything else (a database, a cloud cache), subclass :class:`TokenStore`
(whose methods raise ``StoreError``: that is the one place ``StoreError`` appears; every
error a caller of authwire gets is an ``AuthError``).
"""

from __future__ import annotations

import abc
import os
from datetime import timedelta
from typing import Union

from . import _ffi
from ._ffi import TokenStoreImpl
from ._values import Duration, ms_of

__all__ = ["FileStore", "RedisStore", "TokenStore", "native_store"]

StrPath = Union[str, "os.PathLike[str]"]


class TokenStore(abc.ABC):
    """Subclass to share tokens through your own storage (a database, a cloud cache), and give
    an instance as ``TokenOptions(store=...)``. ``authwire.FileStore`` and
    ``authwire.RedisStore`` are stores too.

    The methods block and run on authwire's threads. A method that fails raises
    ``authwire.StoreError`` (``StoreError.Unavailable(reason)``): the one place ``StoreError``
    appears. It never reaches a caller of authwire: the manager requests its own tokens
    meanwhile and reports ``AuthEvent.StoreUnavailable``. Values are sealed by the core; the
    store never sees a token or a credential in clear.
    """

    @abc.abstractmethod
    def read(self, key: str) -> bytes | None:
        """The value stored under ``key`` and not expired, or ``None``."""

    @abc.abstractmethod
    def write(self, key: str, value: bytes, ttl: timedelta) -> None:
        """Stores ``value`` under ``key`` for ``ttl``, replacing any value."""

    @abc.abstractmethod
    def compare_and_delete(self, key: str, expected: bytes) -> bool:
        """Deletes ``key`` only if its value is ``expected``; returns whether it did."""

    @abc.abstractmethod
    def try_lock(self, key: str, owner: str, ttl: timedelta) -> bool:
        """Takes the lock ``key`` for ``owner`` for ``ttl`` if nobody holds it (or the holder's
        time ran out); returns whether it was taken."""

    @abc.abstractmethod
    def unlock(self, key: str, owner: str) -> None:
        """Releases the lock ``key`` if ``owner`` holds it."""


class _StoreAdapter(_ffi.TokenStore):
    """A Python :class:`TokenStore` as the core's callback interface (whose time to live is in
    milliseconds)."""

    __slots__ = ("_target",)

    def __init__(self, target: TokenStore) -> None:
        self._target = target

    def read(self, key: str) -> bytes | None:
        return self._target.read(key)

    def write(self, key: str, value: bytes, ttl_ms: int) -> None:
        self._target.write(key, value, timedelta(milliseconds=ttl_ms))

    def compare_and_delete(self, key: str, expected: bytes) -> bool:
        return self._target.compare_and_delete(key, expected)

    def try_lock(self, key: str, owner: str, ttl_ms: int) -> bool:
        return self._target.try_lock(key, owner, timedelta(milliseconds=ttl_ms))

    def unlock(self, key: str, owner: str) -> None:
        self._target.unlock(key, owner)

    def __repr__(self) -> str:
        return repr(self._target)


def native_store(store: object) -> _ffi.TokenStore | None:
    """The core's view of ``store``: the core's own stores as they are, a Python
    :class:`TokenStore` through an adapter; ``TypeError`` for anything else."""
    if store is None:
        return None
    if isinstance(store, TokenStoreImpl):
        return store
    if isinstance(store, TokenStore):
        return _StoreAdapter(store)
    raise TypeError(
        "store must be an authwire.TokenStore (authwire.FileStore, authwire.RedisStore or a subclass), "
        f"not {type(store).__name__}"
    )


class _CoreStore(TokenStoreImpl, TokenStore):
    """A store implemented in the core, usable as a Python :class:`TokenStore` as well (the core
    itself reaches it through its handle, never through these methods)."""

    def write(self, key: str, value: bytes, ttl: timedelta) -> None:  # type: ignore[override]
        """Stores ``value`` under ``key`` for ``ttl``."""
        TokenStoreImpl.write(self, key, value, ms_of("ttl", ttl))

    def try_lock(self, key: str, owner: str, ttl: timedelta) -> bool:  # type: ignore[override]
        """Takes the lock ``key`` for ``owner`` for ``ttl`` if nobody holds it."""
        return TokenStoreImpl.try_lock(self, key, owner, ms_of("ttl", ttl))


def _as_auth_error(error: _ffi.StoreError) -> _ffi.AuthError:
    reason = str(getattr(error, "reason", error))
    return _ffi.AuthError.InvalidConfiguration(reason)


def _adopt(target: TokenStoreImpl, native: _ffi.TokenStore) -> None:
    # The native object is the core's store; this instance takes its own handle to it.
    if not isinstance(native, TokenStoreImpl):  # pragma: no cover - the core returns its own
        raise TypeError("the core returned an unexpected store")
    target._handle = native._uniffi_clone_handle()  # type: ignore[attr-defined]


class FileStore(_CoreStore):
    """A token store in a file, shared by the processes of one host.

    ``path`` names a file in an existing directory on a local filesystem; it is created with
    mode 0600, and lock files are created next to it. A directory on NFS or SMB is refused:
    file locks there fail or do nothing. Across hosts, use :class:`RedisStore`.

    Raises ``AuthError.InvalidConfiguration`` when the directory does not exist or is on a
    network filesystem; ``TypeError`` when ``path`` is neither a ``str`` nor an
    ``os.PathLike``.
    """

    _path: str

    def __new__(cls, path: StrPath) -> FileStore:  # noqa: PYI034 - the class itself is the type
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or an os.PathLike, not {type(path).__name__}")
        store = object.__new__(cls)
        try:
            native = _ffi.file_store(os.fspath(path))
        except _ffi.StoreError as error:
            raise _as_auth_error(error) from None
        _adopt(store, native)
        store._path = os.fspath(path)
        return store

    def __init__(self, path: StrPath) -> None:  # the work is done in __new__
        pass

    def __repr__(self) -> str:
        return f"FileStore(path={self._path!r})"

    def __str__(self) -> str:
        return f"token store in {self._path}"


class RedisStore(_CoreStore):
    """A token store in Redis, shared by processes on every host that reaches the server.

    ``url`` is ``redis://[user:password@]host[:port][/db]``, or ``rediss://`` for TLS.
    ``key_prefix`` (default ``"authwire:"``) namespaces the keys; ``timeout`` (seconds or a
    ``timedelta``, default 1 s) bounds each connection attempt and reply. No connection is
    made until a token is shared; a forked child opens its own.

    Raises ``AuthError.InvalidConfiguration`` for a URL that is not a Redis URL;
    ``ValueError`` for a negative timeout.
    """

    def __new__(  # noqa: PYI034 - the class itself is the type
        cls, url: str, *, key_prefix: str | None = None, timeout: Duration | None = None
    ) -> RedisStore:
        timeout_ms = None if timeout is None else ms_of("timeout", timeout)
        store = object.__new__(cls)
        try:
            native = _ffi.redis_store(url, key_prefix, timeout_ms)
        except _ffi.StoreError as error:
            raise _as_auth_error(error) from None
        _adopt(store, native)
        return store

    def __init__(self, url: str, *, key_prefix: str | None = None, timeout: Duration | None = None) -> None:
        pass

    def __repr__(self) -> str:
        # The URL may carry a password.
        return "RedisStore(url=<redacted>)"

    def __str__(self) -> str:
        return "token store in Redis"
