"""The Expression Code of an ADaM method: which derivations of the library it calls, with what.

A method of the spec's Methods sheet with Expression Context ``cdisc-build`` holds one call
per line, in admiral's grammar; the dataset being built is the implicit first argument and
every other argument is a keyword:

    derive_vars_trt_dates(ex=EX)
    derive_var_ady(date="ADT", reference="TRTSDT")
    derive_param_bor(adsl=ADSL, settings=settings, paramcd="CBOR", confirmed=True)

An argument is a literal (text, number, True/False/None, a list, tuple or dict of literals),
a dataset by its name in capitals (an SDTM domain such as ``EX`` or ``SUPPDM``, an ADaM
dataset built before such as ``ADSL``; ``SDTM`` is every SDTM dataset read), or a study
setting (``settings`` for the [adam] table, ``settings.recist.target_category`` for one of
its values). Lines starting with ``#`` are comments. Nothing is evaluated: the text is parsed
(Python's ast) and only these forms are accepted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

CONTEXT = "cdisc-build"


@dataclass(frozen=True)
class DatasetRef:
    """A dataset named by an argument (``EX``, ``ADSL``; ``SDTM`` for all SDTM datasets)."""

    name: str


@dataclass(frozen=True)
class SettingRef:
    """A study setting: ``settings`` ((), the [adam] table) or ``settings.recist.too_small_mm``."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """One derivation call of a method: the derivation's name and its keyword arguments."""

    name: str
    kwargs: tuple[tuple[str, Any], ...]
    text: str

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.kwargs)

    @property
    def datasets(self) -> tuple[str, ...]:
        """The datasets the call names, in order (each once)."""
        found: dict[str, None] = {}

        def walk(value: Any) -> None:
            if isinstance(value, DatasetRef):
                found[value.name] = None
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)

        for _, value in self.kwargs:
            walk(value)
        return tuple(found)


class ExpressionError(ValueError):
    """Expression Code that is not a list of derivation calls."""


def _value(node: ast.expr, line: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [_value(v, line) for v in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise ExpressionError(f"{line!r}: '**' is not accepted in a dict")
            out[_value(key, line)] = _value(value, line)
        return out
    if isinstance(node, ast.Name):
        if node.id == "settings":
            return SettingRef(())
        if node.id.isupper() or (node.id[:1].isupper() and node.id.replace("_", "").isalnum()):
            return DatasetRef(node.id.upper())
        raise ExpressionError(
            f"{line!r}: unknown name {node.id!r} (a dataset is named in capitals, a study setting as settings.NAME)"
        )
    if isinstance(node, ast.Attribute):
        path: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            path.insert(0, current.attr)
            current = current.value
        if isinstance(current, ast.Name) and current.id == "settings":
            return SettingRef(tuple(path))
        raise ExpressionError(f"{line!r}: only settings.NAME may be written with a dot")
    raise ExpressionError(
        f"{line!r}: an argument must be a literal, a dataset name or a study setting, not {ast.unparse(node)!r}"
    )


def parse_expression(code: str) -> list[Call]:
    """The calls of an Expression Code, one per line; ExpressionError names the line at fault."""
    calls = []
    for raw in code.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            tree = ast.parse(line, mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"{line!r}: not a call ({exc.msg})") from None
        node = tree.body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            raise ExpressionError(f"{line!r}: each line must be one call, derivation_name(keyword=value, ...)")
        if node.args:
            raise ExpressionError(
                f"{line!r}: arguments are given by keyword (the dataset being built is the first, implicitly)"
            )
        kwargs = []
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ExpressionError(f"{line!r}: '**' is not accepted")
            kwargs.append((keyword.arg, _value(keyword.value, line)))
        calls.append(Call(node.func.id, tuple(kwargs), line))
    return calls
