"""``FileStore`` and ``RedisStore``: the core's token stores, as Python classes.

Give one to the managers of every process that uses the same credential, through
``TokenOptions(store=...)``: the fleet then sends one token request per token lifetime
instead of one per process. A store never holds the credential, and holds the token only
sealed with a key derived from the credential. A store that fails never fails a caller: the
manager requests its own tokens meanwhile and reports ``AuthEvent.STORE_UNAVAILABLE``.

To share through anything else (a database, a cloud cache), subclass :class:`TokenStore`.
"""

from __future__ import annotations

import os
from typing import Union

from . import _ffi
from ._ffi import TokenStoreImpl

__all__ = ["FileStore", "RedisStore"]

StrPath = Union[str, "os.PathLike[str]"]


def _adopt(target: TokenStoreImpl, native: _ffi.TokenStore) -> None:
    # The native object is the core's store; this instance takes its own handle to it.
    if not isinstance(native, TokenStoreImpl):  # pragma: no cover - the core returns its own
        raise TypeError("the core returned an unexpected store")
    target._handle = native._uniffi_clone_handle()  # type: ignore[attr-defined]


class FileStore(TokenStoreImpl):
    """A token store in a file, shared by the processes of one host.

    ``path`` names a file in an existing directory on a local filesystem; it is created with
    mode 0600, and lock files are created next to it. A directory on NFS or SMB is refused:
    file locks there fail or do nothing. Across hosts, use :class:`RedisStore`.

    Raises ``StoreError.InvalidConfiguration`` when the directory does not exist or is on a
    network filesystem.
    """

    _path: str

    def __new__(cls, path: StrPath) -> FileStore:  # noqa: PYI034 - the class itself is the type
        store = object.__new__(cls)
        _adopt(store, _ffi.file_store(os.fspath(path)))
        store._path = os.fspath(path)
        return store

    def __init__(self, path: StrPath) -> None:  # the work is done in __new__
        pass

    def __repr__(self) -> str:
        return f"FileStore({self._path!r})"


class RedisStore(TokenStoreImpl):
    """A token store in Redis, shared by processes on every host that reaches the server.

    ``url`` is ``redis://[user:password@]host[:port][/db]``, or ``rediss://`` for TLS.
    ``key_prefix`` (default ``"authwire:"``) namespaces the keys; ``timeout_ms`` (default
    1000) bounds each connection attempt and reply. No connection is made until a token is
    shared; a forked child opens its own.

    Raises ``StoreError.InvalidConfiguration`` for a URL that is not a Redis URL.
    """

    def __new__(cls, url: str, *, key_prefix: str | None = None, timeout_ms: int | None = None) -> RedisStore:  # noqa: PYI034
        store = object.__new__(cls)
        _adopt(store, _ffi.redis_store(url, key_prefix, timeout_ms))
        return store

    def __init__(self, url: str, *, key_prefix: str | None = None, timeout_ms: int | None = None) -> None:
        pass

    def __repr__(self) -> str:
        # The URL may carry a password.
        return "RedisStore([redacted])"
