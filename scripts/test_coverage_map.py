"""Which source modules have a test module, and which public ADaM derivations a unit test names.

Prints two tables and their counts:
- every source module that holds logic (at least one function or method) and the test
  modules under tests/ that import it;
- every public derivation of adam_builder (a module-level function whose name starts with
  derive_, compute_ or another verb, defined in adam_builder, not in command-line code) and
  the test modules that name it.

Usage: python scripts/test_coverage_map.py [--missing]
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "specs",
    "dataset_io",
    "sdtm_builder",
    "adam_builder",
    "define_xml",
    "submission_export",
    "conformance",
    "analysis_report",
    "study_simulator",
    "cdisc_build",
)


def source_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if not any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(tree)):
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def test_imports() -> dict[Path, set[str]]:
    result = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        result[path] = names
    return result


def adam_derivations() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "adam_builder").rglob("*.py")):
        if path.name in {"cli.py", "adam_cli.py", "__init__.py"}:  # command-line modules of older trees
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found.append((module, node.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list only what has no test")
    args = parser.parse_args()

    modules = source_modules()
    imports = test_imports()
    tested = 0
    print("source module with logic -> test modules importing it")
    for name in modules:
        users = [p.relative_to(ROOT).as_posix() for p, names in imports.items() if name in names]
        tested += bool(users)
        if users and args.missing:
            continue
        print(f"  {name}: {', '.join(users) if users else '-- none'}")
    print(f"modules with logic: {len(modules)}; with a test module: {tested}")

    texts = {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py")}
    derivations = adam_derivations()
    named = 0
    print("public ADaM derivation -> test modules naming it")
    for module, func in derivations:
        pattern = re.compile(rf"\b{re.escape(func)}\b")
        users = [p.relative_to(ROOT).as_posix() for p, text in texts.items() if pattern.search(text)]
        named += bool(users)
        if users and args.missing:
            continue
        print(f"  {module}.{func}: {', '.join(sorted(users)) if users else '-- none'}")
    print(f"public ADaM derivations: {len(derivations)}; named in a test: {named}")


if __name__ == "__main__":
    main()
