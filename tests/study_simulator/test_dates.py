"""Day numbers and the EDC and ISO texts of dates."""

import numpy as np

from study_simulator.dates import day_number, format_edc_date, format_iso_date, parse_edc_date


def test_day_number_counts_from_1970():
    assert day_number("1970-01-01") == 0
    assert day_number("2021-03-05") == 18691
    assert day_number("2020-02-29") == 18321


def test_edc_and_iso_text_with_missing_days():
    days = np.array([18691, np.nan, 18261, 18321])
    assert format_edc_date(days).tolist() == ["05 MAR 2021", "", "31 DEC 2019", "29 FEB 2020"]
    assert format_iso_date(days).tolist() == ["2021-03-05", "", "2019-12-31", "2020-02-29"]
    assert format_edc_date(np.array([np.nan])).tolist() == [""]


def test_parse_keeps_complete_dates_only():
    got = parse_edc_date(["05 MAR 2021", "UN MAR 2021", "UN UNK 2021", "", None, "31 FEB 2021"])
    np.testing.assert_array_equal(got.to_numpy(), [18691, np.nan, np.nan, np.nan, np.nan, np.nan])
