"""adam_builder.expression: the Expression Code of a method parsed into derivation calls, never evaluated."""

import pytest

from adam_builder.expression import Call, DatasetRef, ExpressionError, SettingRef, parse_expression


def test_one_call_per_line_with_literals_datasets_and_settings():
    calls = parse_expression(
        """
        # the treatment dates
        derive_vars_trt_dates(ex=EX)
        derive_param_response(source_param="BOR", responses=("CR", "PR"), n=-1, on=True, map={"A": [1, 2.5]})
        derive_vars_populations(tu=TU, evaluator=settings.evaluator, target=settings.recist.target_category)
        derive_var_lstalvdt(sources=SDTM, spec=settings)
        """
    )
    assert [c.name for c in calls] == [
        "derive_vars_trt_dates",
        "derive_param_response",
        "derive_vars_populations",
        "derive_var_lstalvdt",
    ]
    assert calls[0].arguments == {"ex": DatasetRef("EX")}
    assert calls[1].arguments == {
        "source_param": "BOR",
        "responses": ("CR", "PR"),
        "n": -1,
        "on": True,
        "map": {"A": [1, 2.5]},
    }
    assert calls[2].arguments["evaluator"] == SettingRef(("evaluator",))
    assert calls[2].arguments["target"] == SettingRef(("recist", "target_category"))
    assert calls[3].arguments == {"sources": DatasetRef("SDTM"), "spec": SettingRef(())}
    assert calls[2].datasets == ("TU",)


def test_the_datasets_a_call_names_inside_lists_and_dicts_each_once():
    call = Call("f", (("a", [DatasetRef("EX"), DatasetRef("EX")]), ("b", {"k": DatasetRef("AE")})), "")
    assert call.datasets == ("EX", "AE")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("derive_var_x(", "not a call"),
        ("x = 1", "not a call"),
        ("derive_var_x(EX)", "arguments are given by keyword"),
        ("derive_var_x(**opts)", "'\\*\\*' is not accepted"),
        ("derive_var_x(a=os.system)", "only settings.NAME may be written with a dot"),
        ("derive_var_x(a=open)", "unknown name 'open'"),
        ('derive_var_x(a=__import__("os"))', "an argument must be a literal, a dataset name or a study setting"),
        ("derive_var_x(a=1 + 2)", "an argument must be a literal"),
        ("module.derive_var_x()", "each line must be one call"),
    ],
)
def test_anything_but_calls_of_literals_datasets_and_settings_is_refused(code, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(code)
