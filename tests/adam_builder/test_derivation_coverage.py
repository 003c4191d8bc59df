"""Every public derivation of adam_builder is named by a test module.

The public functions of each adam_builder module (and of adam_builder.recipes),
command-line modules aside, are listed by introspection. A function counts as
tested when a test module under tests/ names both its module (imported from
``adam_builder.<module>`` or ``adam_builder.recipes.<module>``) and the function.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import adam_builder

TESTS = Path(__file__).resolve().parents[1]


def public_derivations() -> list[tuple[str, str]]:
    """(module, function) for each public function defined in an adam_builder module."""
    found = []
    for package in (adam_builder,):
        for info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{info.name}"
            if info.ispkg:
                continue
            module = importlib.import_module(name)
            for attr, value in vars(module).items():
                if not attr.startswith("_") and inspect.isfunction(value) and value.__module__ == name:
                    found.append((name, attr))
    return sorted(found)


def _mentions(source: str, module: str, function: str) -> bool:
    package, _, leaf = module.rpartition(".")
    imported = re.search(rf"\b{re.escape(module)}\b", source) or re.search(
        rf"from\s+{re.escape(package)}\s+import\s+[^\n]*\b{leaf}\b", source
    )
    return bool(imported) and re.search(rf"\b{function}\b", source) is not None


def untested(sources: list[str]) -> list[str]:
    return [
        f"{module}.{function}"
        for module, function in public_derivations()
        if not any(_mentions(source, module, function) for source in sources)
    ]


def test_the_introspection_finds_the_derivations():
    names = public_derivations()
    assert ("adam_builder.adsl", "derive_var_lstalvdt") in names
    assert ("adam_builder.engine", "plan_dataset") in names
    assert not any(function.startswith("_") for _, function in names)


def test_a_mention_needs_the_module_and_the_function():
    source = "from adam_builder.adtr import derive_var_anl01fl\n"
    assert _mentions(source, "adam_builder.adtr", "derive_var_anl01fl")
    assert not _mentions(source, "adam_builder.adrs", "derive_var_anl01fl")
    assert not _mentions("from adam_builder.recipes.adae import build_adae\n", "adam_builder.adae", "build_adae")
    assert _mentions(
        "from adam_builder.recipes import adae\nadae.build_adae\n", "adam_builder.recipes.adae", "build_adae"
    )


def test_every_public_derivation_has_a_test():
    sources = [path.read_text(encoding="utf-8") for path in sorted(TESTS.rglob("test_*.py"))]
    missing = untested(sources)
    assert not missing, "public derivations no test module names: " + ", ".join(missing)
