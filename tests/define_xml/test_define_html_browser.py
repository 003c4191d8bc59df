"""define.html opens in headless Chromium (Debian's chromium package): from the page the
browser renders, every dataset and every codelist of define.xml is listed; a screenshot
is kept in build/test-output/define_html/ (ignored by git).

Skips, saying why, when /usr/bin/chromium is absent (`.ci/run` installs it).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from browser import chromium, need_chromium
from lxml import etree, html

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "build" / "test-output" / "define_html"
ODM = "http://www.cdisc.org/ns/odm/v1.3"


def _stage(simulated_export, stage: str):
    need_chromium()
    if stage == "adam" and importlib.util.find_spec("adam_builder.build") is None:
        pytest.skip("adam_builder/build.py (build_adam) does not exist yet: only the SDTM define.html is rendered")
    return simulated_export[stage]


@pytest.mark.parametrize("stage", ["sdtm", "adam"])
def test_define_html_lists_every_dataset_and_codelist_in_chromium(simulated_export, stage, tmp_path):
    s = _stage(simulated_export, stage)
    page = s.folder / "define.html"
    done = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0 and done.stdout.strip(), f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    dom = html.fromstring(done.stdout)
    assert dom.xpath("//title") and dom.xpath("//body//*"), "chromium rendered an empty page"

    define = etree.parse(str(s.folder / "define.xml"))
    groups = define.findall(f".//{{{ODM}}}ItemGroupDef")
    codelists = define.findall(f".//{{{ODM}}}CodeList")
    assert {g.get("Name") for g in groups} == set(s.frames), "define.xml does not define every exported dataset"
    assert codelists, "define.xml has no codelist"

    def by_id(oid):
        """The element with that id, and its text with that of the block it anchors (an empty
        <span id> placed before the dataset's box)."""
        found = dom.xpath("//*[@id=$oid]", oid=oid)
        return found[0] if found else None

    def shown(element) -> str:
        following = element.getnext()
        return element.text_content() + (following.text_content() if following is not None else "")

    # define2-1.xsl anchors each dataset's section as "IG." + OID and each codelist as "CL." + OID,
    # and links them from the table of contents
    missing = []
    for g in groups:
        oid, name = g.get("OID"), g.get("Name")
        section = by_id(f"IG.{oid}")
        linked = dom.xpath("//a[@class='tocItem' and @href=$h]", h=f"#IG.{oid}")
        if section is None or not linked or name not in shown(section):
            missing.append(
                f"dataset {name} ({oid}): section {'found' if section is not None else 'missing'}, "
                f"{len(linked)} table-of-contents link(s)"
            )
    for cl in codelists:
        oid, name = cl.get("OID"), cl.get("Name")
        section = by_id(f"CL.{oid}")
        linked = dom.xpath("//a[@class='tocItem' and @href=$h]", h=f"#CL.{oid}")
        if section is None or not linked or name not in shown(section):
            missing.append(
                f"codelist {name} ({oid}): {'no section' if section is None else 'name not shown'}, "
                f"{len(linked)} table-of-contents link(s)"
            )
    assert not missing, "not listed in the rendered define.html:\n" + "\n".join(missing)

    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / f"define_{stage}.png"
    done = chromium(tmp_path, "--window-size=1280,1600", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.exists(), f"no screenshot ({done.returncode}): {done.stderr[-2000:]}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    shutil.copyfile(shot, OUTPUT / f"define_{stage}.png")
