"""The `cdisc-build` command line.

Each stage of the pipeline is one command; `run` and `demo` chain them. The
commands (cdisc_build.commands, one module each) are thin: they parse options,
call the stage's Python API and print a summary; the stages return results and
print nothing. Exit status: 0 on success, 1 when the stage found errors, 2 on bad usage.
"""

from __future__ import annotations

import typer

from .commands import adam, export, recist, report, run, sdtm, simulate, spec, validate
from .commands.config import config_app
from .commands.standards import standards_app
from .outcome import guarded

app = typer.Typer(
    name="cdisc-build",
    help="Spec-driven CDISC SDTM and ADaM for oncology trials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts printed as written: "[study]" is text, not markup
)

spec_app = typer.Typer(help="Check a spec workbook or write an empty one.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(spec_app, name="spec")
app.add_typer(config_app, name="config")
app.add_typer(standards_app, name="standards")


def main() -> None:  # console-script entry point
    app()


spec_app.command("check")(guarded(spec.check_command))
spec_app.command("template")(guarded(spec.template_command))
app.command("export")(guarded(export.export_command))
app.command("simulate")(guarded(simulate.simulate_command))
app.command("validate")(guarded(validate.validate_command))
app.command("sdtm")(guarded(sdtm.sdtm_command))
app.command("run")(guarded(run.run_command))
app.command("demo")(guarded(run.demo_command))
app.command("recist")(guarded(recist.recist_command))
app.command("adam")(guarded(adam.adam_command))
app.command("report")(guarded(report.report_command))
