"""``help()`` shows the documentation of ``_ffi.pyi``: the stub is the one source of the
Python-worded docstrings, and the runtime objects carry them (``_ffi._docstrings_from_stub``)."""

from __future__ import annotations

import ast
import inspect
import pathlib
import pydoc

import authwire
from authwire import _ffi

STUB = pathlib.Path(_ffi.__file__).with_suffix(".pyi")


def _stub_docs() -> dict[str, str]:
    """``name`` or ``Class.member`` -> the stub's docstring, for the names ``_ffi`` exports."""
    docs: dict[str, str] = {}
    for node in ast.parse(STUB.read_text(encoding="utf-8")).body:
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef)) or node.name not in _ffi.__all__:
            continue
        doc = ast.get_docstring(node)
        if doc:
            docs[node.name] = doc
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in vars(getattr(_ffi, node.name)):
                    member_doc = ast.get_docstring(item)
                    if member_doc:
                        docs[f"{node.name}.{item.name}"] = member_doc
    return docs


def test_the_stub_is_shipped_and_documents_the_public_names() -> None:
    docs = _stub_docs()
    assert STUB.is_file()
    # The classes and functions a user meets first are documented there.
    for name in ("AuthError", "NetworkErrorKind", "basic_auth"):
        assert name in docs, name
    assert "NetworkErrorKind.is_retried" in docs, "the stub documents members too"


def test_every_stub_docstring_is_what_inspect_and_help_show() -> None:
    for key, doc in _stub_docs().items():
        owner, _, member = key.partition(".")
        target = getattr(_ffi, owner)
        if member:
            target = inspect.getattr_static(target, member)
            if isinstance(target, (staticmethod, classmethod)):
                target = target.__func__
        assert inspect.cleandoc(target.__doc__ or "") == inspect.cleandoc(doc), key


def test_help_of_the_package_names_shows_the_stub_text() -> None:
    # What `help(authwire.AuthError)` prints, as text: the stub's words, not the core's
    # Rust-worded doc comment.
    rendered = pydoc.render_doc(authwire.AuthError, renderer=pydoc.plaintext)
    first_line = _stub_docs()["AuthError"].splitlines()[0]
    assert first_line in rendered
    assert authwire.basic_auth.__doc__ == _stub_docs()["basic_auth"]
