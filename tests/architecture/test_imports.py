"""The layers point one way and no module imports itself through others."""

from __future__ import annotations

from tests.architecture.imports import cycles, graph


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(graph()) == []


def test_a_cycle_is_found_when_there_is_one() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_layers_point_one_way() -> None:
    edges = graph()
    for module, targets in edges.items():
        layer = module.split(".")[0]
        for target in targets:
            below = target.split(".")[0]
            if layer == "dialogues":
                assert below == "dialogues", f"{module} imports {target}"
            if layer == "storage":
                assert below in {"storage", "dialogues"}, f"{module} imports {target}"


def test_lazy_and_type_checking_imports_count() -> None:
    import ast

    from tests.architecture.imports import _imports

    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.app import App\n"
        "def f():\n    from bot import routes\n"
    )
    found = set(_imports(tree, "bot.x", False, {"bot.app", "bot.routes", "bot"}))
    assert {"bot.app", "bot.routes"} <= found
