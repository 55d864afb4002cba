import pytest

from py_standards_lint.routes import methods_overlap, shadows


@pytest.mark.parametrize(
    "earlier,later,expected",
    [
        ("/items/{item_id}", "/items/stats", True),
        ("/items/{item_id:int}", "/items/stats", False),
        ("/items/{item_id:int}", "/items/42", True),
        ("/items/{x:float}", "/items/4.5", True),
        ("/items/{x:float}", "/items/{n:int}", True),
        ("/items/{x:int}", "/items/{n:float}", False),
        ("/items/{x:uuid}", "/items/123e4567-e89b-12d3-a456-426614174000", True),
        ("/items/{x:uuid}", "/items/stats", False),
        ("/items/{item_id}", "/items/stats/today", False),
        ("/files/{p:path}", "/files/a/b/c", True),
        ("/files/{p:path}", "/files/{name}/meta", True),
        ("/files/{p:path}/meta", "/files/a/b/meta", True),
        ("/files/{p:path}/meta", "/files/a/b/other", False),
        ("/items/{a}", "/items/{b}", True),
        ("/items/{a}.json", "/items/x.json", True),
        ("/items/{a}.json", "/items/x.xml", False),
        ("/items/stats", "/items/{a}", False),
        ("/items/{a:weird}", "/items/x", False),
        ("", "", True),
    ],
)
def test_shadows(earlier, later, expected):
    assert shadows(earlier, later) is expected


def test_methods_overlap():
    assert methods_overlap(frozenset({"GET", "HEAD"}), frozenset({"HEAD"}))
    assert not methods_overlap(frozenset({"GET", "HEAD"}), frozenset({"POST"}))
    assert methods_overlap(frozenset({"*"}), frozenset({"POST"}))
    assert not methods_overlap(frozenset({"*"}), frozenset({"WEBSOCKET"}))
