"""The layers of the code (docs/architecture.md): no import runs upwards.

Two checks written apart: the import-linter contract of pyproject.toml, and a scan of
every module's import statements (module level and inside functions) against the
rank of its package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Higher imports lower, never the reverse. The stages share a rank and import none of
# each other, except that submission_export writes define.xml through define_xml.
RANK = {
    "cdisc_build": 5,
    "sdtm_builder": 4,
    "adam_builder": 4,
    "analysis_report": 4,
    "conformance": 4,
    "submission_export": 4,
    "study_simulator": 4,
    "define_xml": 3,
    "dataset_io": 2,
    "specs": 1,
}
ALLOWED_BELOW = {
    # the simulator reads the spec and writes its files, nothing else
    "study_simulator": {"specs", "dataset_io"},
    # define_xml is the submission's: no other stage uses it
    "sdtm_builder": {"specs", "dataset_io"},
    "adam_builder": {"specs", "dataset_io"},
    "analysis_report": {"specs", "dataset_io"},
    "conformance": {"specs", "dataset_io"},
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Every module an import statement of `source` names, relative imports resolved."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import name`: name may be a module or an attribute; pkg.name ranks the same
            found += [f"{target}.{alias.name}" for alias in node.names]
    return found


def breaches(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """`importer -> imported` for every import that breaks the ranks; modules: name -> (source, is_package)."""
    out = set()
    for importer, (source, is_package) in modules.items():
        top = importer.split(".")[0]
        for imported in imported_modules(importer, source, is_package=is_package):
            other = imported.split(".")[0]
            if other == top or other not in RANK:
                continue
            allowed = RANK[other] < RANK[top] and other in ALLOWED_BELOW.get(top, set(RANK))
            if not allowed:
                out.add(f"{importer} -> {other}")
    return sorted(out)


def project_modules() -> dict[str, tuple[str, bool]]:
    modules = {}
    for package in RANK:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[module_name(path, ROOT)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return modules


def test_the_import_linter_contract_is_kept():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_every_shipped_package_is_ranked():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert shipped == set(RANK)
    assert set(project["tool"]["importlinter"]["root_packages"]) == set(RANK)


def test_no_module_imports_upwards():
    modules = project_modules()
    assert len(modules) > 100
    assert breaches(modules) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("specs.model", "from dataset_io.xpt import write_xpt\n", ["specs.model -> dataset_io"]),
        ("dataset_io.readers", "def f():\n    import conformance.engine\n", ["dataset_io.readers -> conformance"]),
        ("sdtm_builder.build", "from cdisc_build.outcome import finish\n", ["sdtm_builder.build -> cdisc_build"]),
        (
            "conformance.engine",
            "from submission_export import export_submission\n",
            ["conformance.engine -> submission_export"],
        ),
        ("adam_builder.adsl", "from define_xml.build import build_define\n", ["adam_builder.adsl -> define_xml"]),
        ("study_simulator.api", "from sdtm_builder import raw\n", ["study_simulator.api -> sdtm_builder"]),
        ("study_simulator.truth", "from adam_builder import recist_rules\n", ["study_simulator.truth -> adam_builder"]),
        ("specs.study", "from adam_builder.settings import AdamSettings\n", ["specs.study -> adam_builder"]),
        (
            "define_xml.build",
            "from submission_export.package import ExportError\n",
            ["define_xml.build -> submission_export"],
        ),
    ],
)
def test_the_scan_finds_a_made_up_upward_import(module, source, expected):
    assert breaches({module: (source, False)}) == expected


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("cdisc_build.pipeline", "from sdtm_builder.build import build_sdtm\nfrom specs import load_spec\n"),
        ("submission_export.package", "from define_xml.build import build_define\nfrom dataset_io import xpt\n"),
        ("dataset_io.xpt", "from specs.limits import MAX_NAME\nfrom .xpt_native import RECORD\n"),
    ],
)
def test_the_scan_passes_downward_imports(module, source):
    assert breaches({module: (source, False)}) == []


def test_relative_imports_are_resolved():
    assert imported_modules("dataset_io.xpt", "from .xpt_native import RECORD\n") == ["dataset_io.xpt_native.RECORD"]
    assert imported_modules("specs", "from .model import Spec\n", is_package=True) == ["specs.model.Spec"]
    assert imported_modules("cdisc_build.commands.sdtm", "from ..outcome import finish\n") == [
        "cdisc_build.outcome.finish"
    ]
    assert imported_modules("specs.study", "import adam_builder.settings as s\n") == ["adam_builder.settings"]
