"""Files this interpreter's parser rejects are summarised from a rewrite to older syntax on the same lines
(index.downgraded_tree): on tokens when they allow it, else through libcst; both give the same tree."""

from __future__ import annotations

import ast

import pytest

from py_standards_lint.analysis import index as index_mod

NEWER = (
    "type A = int\n"
    "class C[T](Base):\n"
    "    type B[U] = list[U]\n"
    "    def m[V](self, x: V) -> V:\n"
    "        try:\n"
    "            pass\n"
    "        except KeyError, ValueError:\n"
    "            pass\n"
    "        x = type(1); type Z = int\n"
    "        type = 3\n"
    "        return x\n"
    "try:\n"
    "    pass\n"
    "except* A, B:\n"
    "    pass\n"
)


def through_libcst(source: str, monkeypatch: pytest.MonkeyPatch) -> ast.Module | None:
    with monkeypatch.context() as patch:
        patch.setattr(index_mod, "_token_downgrade", lambda source: None)
        return index_mod.downgraded_tree(source)


def test_the_token_rewrite_equals_the_libcst_one_line_for_line(monkeypatch: pytest.MonkeyPatch) -> None:
    assert index_mod._token_downgrade(NEWER) is not None
    cheap, careful = index_mod.downgraded_tree(NEWER), through_libcst(NEWER, monkeypatch)
    assert cheap is not None and careful is not None
    assert ast.dump(cheap, include_attributes=False) == ast.dump(careful, include_attributes=False)
    assert [n.lineno for n in ast.walk(cheap) if isinstance(n, ast.stmt)] == [
        n.lineno for n in ast.walk(careful) if isinstance(n, ast.stmt)
    ]
    assert "A = int" in ast.unparse(cheap) and "except* (A, B)" in ast.unparse(cheap)


@pytest.mark.parametrize(
    "source",
    [
        "class C[\n    T,\n](Base):\n    pass\n",  # a type parameter list over several lines
        "type A[\n    T\n] = list[T]\n",
        "x = 1\n",  # nothing to rewrite
    ],
)
def test_what_tokens_cannot_do_is_left_to_libcst(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert index_mod._token_downgrade(source) is None
    assert index_mod.downgraded_tree(source) is not None, "libcst's rewrite still summarises it"
