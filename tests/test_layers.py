import pytest

from py_standards_lint.base.layers import layer_for


@pytest.mark.parametrize(
    "path,layer",
    [
        ("app/routes/items.py", "routes"),
        ("app/routers/items.py", "routes"),
        ("app/api/endpoints/items.py", "routes"),
        ("app/items_router.py", "routes"),
        ("app/routes.py", "routes"),
        ("app/services/items.py", "services"),
        ("app/items_service.py", "services"),
        ("app/service.py", "services"),
        ("app/repositories/items.py", "repositories"),
        ("app/repository/items.py", "repositories"),
        ("app/items_repo.py", "repositories"),
        ("app/items_repository.py", "repositories"),
        ("tests/test_items.py", "tests"),
        ("app/services/tests/helpers.py", "tests"),
        ("app/services/test_items.py", "tests"),
        ("conftest.py", "tests"),
        ("app/items_test.py", "tests"),
        ("app/core/cache.py", "cache-module"),
        ("main.py", "app"),
        ("app/main.py", "app"),
        ("src/app/main.py", "app"),
        ("app/services/main.py", "services"),
        ("app/core/config.py", None),
        ("app/schemas.py", None),
        ("scripts/migrate.py", None),
        # (rev 3) a folder wins over a file name; the nearest folder wins; tests win over any folder
        ("app/services/items_repo.py", "services"),
        ("app/routes/group_self_service.py", "routes"),
        ("app/routes/services/x.py", "services"),
        ("app/services/routes/x_repository.py", "routes"),
        ("app/repos/users.py", "repositories"),
        ("app/repository_users.py", "repositories"),
        ("app/services/repository_users.py", "services"),
        ("app/repository_.py", "repositories"),
        ("app/myrepository_users.py", None),
        ("app/repos.py", None),
        ("tests/services/test_x.py", "tests"),
        ("tests/services/helpers.py", "tests"),
        ("app/routes/tests/x_service.py", "tests"),
        ("app/routes/test_items.py", "tests"),
    ],
)
def test_default_layers(path, layer):
    assert layer_for(path) == layer


def test_overrides_replace_a_layers_defaults():
    overrides = {"services": ("app/domain/**",)}
    assert layer_for("app/domain/steps.py", overrides) == "services"
    assert layer_for("app/services/steps.py", overrides) is None
    assert layer_for("app/routes/steps.py", overrides) == "routes"
    assert layer_for("tests/test_x.py", {"services": ("**",)}) == "tests"
