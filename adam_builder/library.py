"""The derivations a spec may call, by name: every module's ``DERIVATIONS`` together.

    library()["derive_var_ady"].function        # the derivation
    describe_library()                          # name, kind, module, first paragraph of the docstring

A name defined twice is an error at import: one way of doing each thing.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from .registry import Derivation

MODULES = ("common", "dates", "adsl", "adrs", "tte", "adtr", "adae", "bds", "toxgrade")


@cache
def library() -> dict[str, Derivation]:
    found: dict[str, Derivation] = {}
    for name in MODULES:
        module = import_module(f"{__package__}.{name}")
        for key, derivation in module.DERIVATIONS.items():
            if key in found:
                raise RuntimeError(f"derivation {key} is defined twice (adam_builder.{name} and another module)")
            found[key] = derivation
    return dict(sorted(found.items()))


def describe_library() -> list[dict[str, str]]:
    """One row per derivation: name, kind, module, and the first paragraph of its docstring."""
    rows = []
    for key, derivation in library().items():
        doc = (derivation.function.__doc__ or "").strip().split("\n\n")[0]
        rows.append(
            {
                "name": key,
                "kind": derivation.kind,
                "module": derivation.function.__module__,
                "does": " ".join(doc.split()),
            }
        )
    return rows
