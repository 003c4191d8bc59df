"""The analysis report opens in headless Chromium (Debian's chromium package): from the
page the browser renders, every table has its rows and every figure is decoded as an
image; screenshots of each section are kept in build/test-output/analysis_report/
(ignored by git).

The browser reads a copy of the report with a short script appended that writes,
into the page, the size at which the browser decoded each figure and the number of
rows of each table; the report itself carries no script.

Skips, saying why, when /usr/bin/chromium is absent (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import chromium, need_chromium
from lxml import html

from analysis_report import build_report, write_report
from analysis_report.build import HTML_NAME

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "build" / "test-output" / "analysis_report"
# render whole, images decoded, before the page is read or captured
SETTLE = ["--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000"]
PROBE = """<script>
window.addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "probe";
  const lines = [];
  for (const img of document.querySelectorAll("figure img")) {
    lines.push("figure " + img.closest("figure").id + " " + img.naturalWidth + "x" + img.naturalHeight);
  }
  for (const table of document.querySelectorAll("table")) {
    lines.push("table " + table.id + " " + table.tBodies[0].rows.length);
  }
  lines.push("page height " + document.documentElement.scrollHeight);
  out.textContent = lines.join("\\n");
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def rendered(simulated_adam, tmp_path_factory):
    need_chromium()
    work = tmp_path_factory.mktemp("report_browser")
    report = build_report(
        simulated_adam.adam,
        spec=simulated_adam.adam_result.spec,
        settings=simulated_adam.config.report,
    )
    write_report(report, work / "report")
    page = work / "report" / HTML_NAME
    probed = work / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(work, *SETTLE, "--dump-dom", probed.as_uri())
    assert done.returncode == 0 and done.stdout.strip(), f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return report, page, html.fromstring(done.stdout), work


def test_every_figure_is_decoded_by_the_browser(rendered):
    report, _, dom, _ = rendered
    probe = dom.xpath("//pre[@id='probe']")
    assert probe, "the page's load event did not run"
    sizes = {}
    for line in probe[0].text_content().splitlines():
        kind, name, value = line.split(" ")
        if kind == "figure":
            width, height = (int(x) for x in value.split("x"))
            sizes[name.removeprefix("figure-")] = (width, height)
    assert set(sizes) == set(report.figures)
    for name, (width, height) in sizes.items():
        assert width >= 600 and height >= 300, f"figure {name} decoded at {width}x{height}"


def test_every_table_is_rendered_with_its_rows(rendered):
    report, _, dom, _ = rendered
    rows = {}
    for line in dom.xpath("//pre[@id='probe']")[0].text_content().splitlines():
        kind, name, value = line.split(" ")
        if kind == "table":
            rows[name.removeprefix("table-")] = int(value)
    assert rows == {name: len(t.frame) for name, t in report.tables.items()}
    topline = dom.xpath("//div[@id='topline']")[0].text_content()
    assert "ORR (confirmed)" in topline and "median OS" in topline


def test_screenshots_of_the_top_and_the_whole_page(rendered):
    report, page, dom, work = rendered
    OUTPUT.mkdir(parents=True, exist_ok=True)
    height = next(
        int(line.split(" ")[2])
        for line in dom.xpath("//pre[@id='probe']")[0].text_content().splitlines()
        if line.startswith("page height")
    )
    for name, size in (("top", "1280,1600"), ("whole_page", f"1280,{min(height, 16000)}")):
        target = OUTPUT / f"{name}.png"
        target.unlink(missing_ok=True)
        done = chromium(
            work, *SETTLE, "--hide-scrollbars", f"--window-size={size}", f"--screenshot={target}", page.as_uri()
        )
        assert done.returncode == 0 and target.is_file(), f"no screenshot of {name}: {done.stderr[-1000:]}"
        assert target.stat().st_size > 50_000, f"the screenshot of {name} is nearly empty"
    shutil.copy(page, OUTPUT / HTML_NAME)
