"""The simulator's RECIST truth must not share code with what it checks: its modules use
the standard library, numpy, pandas, the specs package and the dataset I/O only."""

import ast
from pathlib import Path

import study_simulator

ALLOWED = {"__future__", "collections", "dataclasses", "decimal", "fractions", "os", "pathlib", "typing"}
ALLOWED |= {"numpy", "pandas", "specs", "dataset_io"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_modules_import_no_stage_of_the_toolkit():
    folder = Path(study_simulator.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert {p.name for p in modules} >= {"course.py", "forms.py", "recist.py", "truth.py", "api.py"}
    found = {p.name: sorted(imported_packages(p) - ALLOWED) for p in modules}
    assert {name: extra for name, extra in found.items() if extra} == {}


def test_the_check_sees_a_stage_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import numpy as np\nfrom adam_builder import recist_rules as rr\nfrom . import dates\n")
    assert imported_packages(module) - ALLOWED == {"adam_builder"}
