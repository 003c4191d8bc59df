"""Every collected field accounted for: fields.csv, the `field not mapped` error, the declarations
(not_submitted with a Field and a reason) and `spec check --raw`."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sdtm_builder.build import SpecError, build_sdtm, load_sdtm_spec, write_sdtm
from sdtm_builder.fields import FIELD_COLUMNS, check_raw_fields, field_readers
from specs import model as m
from specs.study import builtin_study
from study_simulator.api import simulate

STATUSES = {"mapped", "not submitted", "no values", "unaccounted"}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("fields")
    simulate(120, 17, root)
    result = build_sdtm(root / "edc", config=builtin_study())
    out = tmp_path_factory.mktemp("fields_out") / "sdtm"
    write_sdtm(result, out, formats=("csv",))
    return root, result, pd.read_csv(out / "fields.csv", dtype=str, keep_default_na=False)


def _raw_columns(root) -> dict[str, list[str]]:
    """Each raw form's columns, read from the CSV headers (not through the code under test)."""
    return {p.stem: list(pd.read_csv(p, dtype=str, nrows=0).columns) for p in sorted((root / "edc").glob("*.csv"))}


def _copy_export(root, dest):
    shutil.copytree(root / "edc", dest)
    return dest


def _without(spec, keep):
    return dataclasses.replace(spec, mapping=tuple(r for r in spec.mapping if keep(r)))


def test_every_collected_field_of_every_form_is_accounted_for(study):
    root, result, fields = study
    assert list(fields.columns) == FIELD_COLUMNS
    expected = {(form, field) for form, columns in _raw_columns(root).items() for field in columns}
    assert set(zip(fields["form"], fields["field"], strict=False)) == expected
    assert len(fields) == len(expected)
    assert set(fields["status"]) <= STATUSES
    assert (fields["status"] == "unaccounted").sum() == 0, fields[fields["status"] == "unaccounted"].to_string()
    assert not (result.issues["kind"] == "field not mapped").any()
    assert not (result.issues["severity"] == "error").any(), result.issues.head().to_string()
    # every field declared not submitted says why; a mapped one says where it went
    assert (fields.loc[fields["status"] == "not submitted", "reason"].str.len() > 10).all()
    assert (fields.loc[fields["status"] == "mapped", "targets"] != "").all()


def test_the_counts_of_a_field_are_its_rows_values_and_records(study):
    root, result, fields = study
    row = fields[(fields["form"] == "dd") & (fields["field"] == "DTHCAUS")].iloc[0]
    raw = pd.read_csv(root / "edc" / "dd.csv", dtype=str, keep_default_na=False)
    assert int(row["rows"]) == len(raw)
    assert int(row["with_value"]) == (raw["DTHCAUS"].str.strip() != "").sum()
    assert int(row["mapped"]) == len(result.final("DD")) == int(row["with_value"])
    assert {"DD.DDORRES", "DD.DDSTRESC"} <= set(row["targets"].split(";"))
    # a field whose values are all in rows the spec does not submit: not submitted, with the rows' reason
    row = fields[(fields["form"] == "ex_toripalimab") & (fields["field"] == "EXNDREAS")].iloc[0]
    assert row["status"] == "not submitted" and row["mapped"] == "0" and int(row["with_value"]) > 0
    assert row["reason"].startswith("rows not submitted: infusion not given")
    # a field declared with its reason
    row = fields[(fields["form"] == "ae") & (fields["field"] == "SITENUMBER")].iloc[0]
    assert row["status"] == "not submitted" and "DM.SITEID" in row["reason"]
    # the subject column keys the records of its form, joined ones too
    row = fields[(fields["form"] == "enr") & (fields["field"] == "SUBJECT")].iloc[0]
    assert row["status"] == "mapped" and "DM.USUBJID" in row["targets"].split(";")
    assert int(row["mapped"]) == int(row["rows"])


def test_a_field_no_rule_reads_any_more_is_an_error(study, tmp_path):
    root, _, _ = study
    spec = _without(load_sdtm_spec(builtin_study().study.sdtm_spec), lambda r: r.variable != "ICVERS")
    result = build_sdtm(root / "edc", config=builtin_study(), spec=spec)
    row = result.fields[(result.fields["form"] == "ic") & (result.fields["field"] == "ICVERS")].iloc[0]
    assert row["status"] == "unaccounted" and row["targets"] == ""
    errors = result.issues[(result.issues["kind"] == "field not mapped")]
    assert errors[["severity", "form", "field"]].values.tolist() == [["error", "ic", "ICVERS"]]
    # the spec check of the same export says so, without building anything
    _, findings = check_raw_fields(spec, root / "edc", workbook="unused.xlsx", subject_field="SUBJECT")
    assert [(f.severity, f.code) for f in findings] == [("error", "field-not-mapped")]
    assert "ic.ICVERS" in findings[0].message


def test_a_blank_field_has_no_values_and_a_filled_one_is_reported(study, tmp_path):
    root, _, _ = study
    raw = _copy_export(root, tmp_path / "edc")
    cm = pd.read_csv(raw / "cm.csv", dtype=str, keep_default_na=False)
    cm.assign(CMNOTE="").to_csv(raw / "cm.csv", index=False)
    result = build_sdtm(raw, config=builtin_study())
    row = result.fields[(result.fields["form"] == "cm") & (result.fields["field"] == "CMNOTE")].iloc[0]
    assert row["status"] == "no values" and row["with_value"] == 0
    assert not (result.issues["kind"] == "field not mapped").any()
    cm.assign(CMNOTE=["taken with food" if i % 7 == 0 else "" for i in range(len(cm))]).to_csv(
        raw / "cm.csv", index=False
    )
    result = build_sdtm(raw, config=builtin_study())
    row = result.fields[(result.fields["form"] == "cm") & (result.fields["field"] == "CMNOTE")].iloc[0]
    assert row["status"] == "unaccounted" and row["with_value"] == (len(cm) + 6) // 7
    assert result.issues.loc[result.issues["kind"] == "field not mapped", "field"].tolist() == ["CMNOTE"]


def test_a_declaration_covers_the_field_and_needs_a_reason(study, tmp_path):
    root, _, _ = study
    spec = load_sdtm_spec(builtin_study().study.sdtm_spec)
    spec = _without(spec, lambda r: r.variable != "ICVERS")
    declared = m.MappingRule(
        dataset="DS",
        variable="",
        algorithm="not_submitted",
        form="ic",
        field="ICVERS",
        comment="the consent form version is the same for every subject (2.0)",
    )
    result = build_sdtm(
        root / "edc", config=builtin_study(), spec=dataclasses.replace(spec, mapping=spec.mapping + (declared,))
    )
    row = result.fields[(result.fields["form"] == "ic") & (result.fields["field"] == "ICVERS")].iloc[0]
    assert row["status"] == "not submitted" and row["reason"] == declared.comment
    assert not (result.issues["kind"] == "field not mapped").any()
    assert result.ledger["balanced"].all()  # a field declaration leaves the rows mapped
    assert int(result.ledger.set_index("form").loc["ic", "not_submitted"]) == 0

    from specs import write_workbook

    for bad, message in (
        (dataclasses.replace(declared, comment=None), "gives no reason"),
        (dataclasses.replace(declared, comment="  "), "gives no reason"),
        (dataclasses.replace(declared, condition="ICDAT NE ''"), "has a Condition"),
    ):
        path = write_workbook(dataclasses.replace(spec, mapping=spec.mapping + (bad,)), tmp_path / "bad.xlsx")
        with pytest.raises(SpecError, match=message):
            load_sdtm_spec(path)
    # a row declaration without a reason is an error too
    rows = m.MappingRule(dataset="SV", variable="", algorithm="not_submitted", form="sv", condition="VISYN EQ No")
    path = write_workbook(dataclasses.replace(spec, mapping=spec.mapping + (rows,)), tmp_path / "bad.xlsx")
    with pytest.raises(SpecError, match=r"not_submitted \(rows of form sv\) gives no reason"):
        load_sdtm_spec(path)


def test_spec_check_raw_reports_the_unaccounted_field(study, tmp_path):
    from typer.testing import CliRunner

    from cdisc_build.cli import app
    from specs import write_workbook

    root, _, _ = study
    folder = tmp_path / "study"
    shutil.copytree(Path(builtin_study().study.sdtm_spec).parent, folder)  # the settings name the workbook beside them
    runner = CliRunner()
    ok = runner.invoke(app, ["spec", "check", str(folder / "sdtm_spec.xlsx"), "--raw", str(root / "edc")])
    assert ok.exit_code == 0, ok.output
    spec = _without(load_sdtm_spec(folder / "sdtm_spec.xlsx"), lambda r: r.variable != "SFREAS")
    write_workbook(spec, folder / "sdtm_spec.xlsx")
    bad = runner.invoke(app, ["spec", "check", str(folder / "sdtm_spec.xlsx"), "--raw", str(root / "edc")])
    assert bad.exit_code == 1
    assert "field-not-mapped" in bad.output and "enr.SFREAS" in bad.output


def test_the_fields_a_rule_reads():
    rules = (
        m.MappingRule(
            "AE", "AESTDTC", "assign_datetime", form="ae", field="AESTDAT", parameters=(("time_field", "AESTTIM"),)
        ),
        m.MappingRule("AE", "AESPID", "concat", form="ae", value="{SITE}-{LINE}"),
        m.MappingRule("AE", "LINE", "assign_no_ct", form="ae", field="POS"),
        m.MappingRule("AE", "AEREFID", "concat", form="ae", value="{LINE}/{AESPID}"),  # LINE: the variable set above
        m.MappingRule("AE", "AEENRTPT", "hardcode_ct", form="ae", condition="AEONGO EQ Yes", value="ONGOING"),
        m.MappingRule("AE", "", "condition_add", form="ae", condition="AEYN EQ Yes"),
        m.MappingRule("AE", "", "not_submitted", form="ae", condition="AEYN EQ No", comment="no event"),
        m.MappingRule("AE", "", "not_submitted", form="ae", field="NOTE", comment="free text"),
    )
    columns = {"ae": ["PT", "AESTDAT", "AESTTIM", "SITE", "LINE", "POS", "AEONGO", "AEYN", "NOTE", "EXTRA"]}
    read, selects = field_readers(m.Spec(mapping=rules), columns, "PT")
    assert read == {
        ("ae", "PT"): ["AE.USUBJID"],
        ("ae", "AESTDAT"): ["AE.AESTDTC"],
        ("ae", "AESTTIM"): ["AE.AESTDTC"],
        ("ae", "SITE"): ["AE.AESPID"],
        ("ae", "LINE"): ["AE.AESPID"],
        ("ae", "POS"): ["AE.LINE"],
        ("ae", "AEONGO"): ["AE.AEENRTPT"],
        ("ae", "AEYN"): ["AE"],
    }
    assert selects == {("ae", "AEYN"): ["no event"]}


def test_adsl_dthcaus_is_the_collected_cause_of_death(study):
    from adam_builder.build import build_adam, load_adam_spec

    root, result, _ = study
    config = builtin_study()
    adam = build_adam(
        {n: result.final(n) for n in result.datasets},
        spec=load_adam_spec(config.workbook("adam_spec")),
        settings=config.adam,
    )
    adsl = adam.datasets["ADSL"].set_index("USUBJID")
    dd = pd.read_csv(root / "edc" / "dd.csv", dtype=str, keep_default_na=False)
    collected = pd.Series(dd["DTHCAUS"].str.strip().str.upper().to_numpy(), index=dd["STUDY"] + "-" + dd["SUBJECT"])
    assert len(collected) > 10 and collected.nunique() > 1
    assert adsl.loc[collected.index, "DTHCAUS"].tolist() == collected.tolist()
    assert adsl.loc[~adsl.index.isin(collected.index), "DTHCAUS"].isna().all()
    assert not adsl["DTHCAUS"].isin(["DEATH"]).any()


def test_comments_go_to_co_and_an_empty_co_is_not_written(study, tmp_path):
    root, result, fields = study
    co = result.final("CO")
    ae = pd.read_csv(root / "edc" / "ae.csv", dtype=str, keep_default_na=False)
    commented = ae[ae["AECOMM"].str.strip() != ""]
    assert len(commented) > 0
    from_ae = co[co["RDOMAIN"] == "AE"]
    assert sorted(zip(from_ae["USUBJID"], from_ae["IDVARVAL"], from_ae["COVAL"], strict=False)) == sorted(
        zip(
            commented["STUDY"] + "-" + commented["SUBJECT"],
            commented["RECORDPOSITION"],
            commented["AECOMM"],
            strict=False,
        )
    )
    parents = result.final("AE").set_index(["USUBJID", "AESPID"]).index
    assert pd.MultiIndex.from_frame(from_ae[["USUBJID", "IDVARVAL"]]).isin(parents).all()  # IDVAR AESPID finds its AE
    # an export without a comment: CO has no record, so it is not written, and the issues say so
    raw = _copy_export(root, tmp_path / "edc")
    for form, column in (("ae", "AECOMM"), ("rs", "RSCOMM")):
        frame = pd.read_csv(raw / f"{form}.csv", dtype=str, keep_default_na=False)
        frame.assign(**{column: ""}).to_csv(raw / f"{form}.csv", index=False)
    quiet = build_sdtm(raw, config=builtin_study())
    assert "CO" not in quiet.datasets and "AE" in quiet.datasets
    notes = quiet.issues[quiet.issues["kind"] == "empty dataset"]
    assert notes[["severity", "dataset"]].values.tolist() == [["note", "CO"]]
    row = quiet.fields[(quiet.fields["form"] == "ae") & (quiet.fields["field"] == "AECOMM")].iloc[0]
    assert row["status"] == "no values" and row["with_value"] == 0 and "CO.COVAL" in row["targets"]
