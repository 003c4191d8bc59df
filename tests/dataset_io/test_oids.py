"""The define.xml and Dataset-JSON identifiers of spec items."""

from __future__ import annotations

from dataset_io import oids


def test_oids_of_spec_items():
    assert oids.itemgroup_oid("DM") == "IG.DM"
    assert oids.item_oid("DM", "USUBJID") == "IT.DM.USUBJID"
    assert oids.valuelist_oid("TR", "TRORRES") == "VL.TR.TRORRES"
    assert oids.value_item_oid("TR", "TRORRES", "TR.LDIAM") == "IT.TR.TRORRES.TR.LDIAM"
    assert oids.where_oid("TR.LDIAM") == "WC.TR.LDIAM"
    assert oids.codelist_oid("NY") == "CL.NY"
    assert oids.method_oid("AGE") == "MT.AGE"
    assert oids.comment_oid("C1") == "COM.C1"
    assert oids.display_oid("T14.1") == "RD.T14.1"
    assert oids.result_oid("R1") == "AR.R1"


def test_a_leaf_id_is_an_ncname():
    assert oids.leaf_id("dm.xpt") == "LF.dm.xpt"
    assert oids.leaf_id("Annotated CRF (blank).pdf") == "LF.Annotated_CRF__blank_.pdf"


def test_strip_prefix_removes_the_prefix_once():
    assert oids.strip_prefix("IT.DM.USUBJID", "IT.") == "DM.USUBJID"
    assert oids.strip_prefix("IT.IT.X", "IT.") == "IT.X"
    assert oids.strip_prefix("DM.USUBJID", "IT.") == "DM.USUBJID"
    assert oids.strip_prefix(None, "IT.") is None
