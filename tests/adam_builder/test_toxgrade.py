"""NCI-CTCAE laboratory grading: the criteria tables against the NCI text, the derivations,
their null cases and errors, and the pharmaverse ADLB (graded by admiral with CTCAE v4)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from shared_data import shared_path

from adam_builder.common import AdamInputError
from adam_builder.toxgrade import (
    CriteriaError,
    compute_atoxgr,
    derive_var_atoxgr,
    derive_var_atoxgr_dir,
    load_criteria,
)

# Boundary cases written from the CTCAE text (not from the table): one line per term (and unit
# or baseline variant): term | direction | unit | LLN | ULN | BASE | value:grade ... ("-": missing).
# Each threshold of the text is tried just below, at and just above.
COMMON = """
Anemia | L | g/dL | 12 | 16 | - | 12.1:0 12:0 11.9:1 10.1:1 10:1 9.9:2 8.1:2 8:2 7.9:3
Anemia | L | mmol/L | 7.5 | 10 | - | 7.6:0 7.5:0 7.4:1 6.3:1 6.2:1 6.1:2 5.0:2 4.9:2 4.8:3
Anemia | L | g/L | 120 | 160 | - | 121:0 120:0 119:1 101:1 100:1 99:2 81:2 80:2 79:3
Leukocytosis | H | /mm3 | 4000 | 10000 | - | 99999:0 100000:0 100001:3
Leukocytosis | H | 10^9/L | 4 | 10 | - | 99.9:0 100:0 100.1:3
Activated partial thromboplastin time prolonged | H | s | 25 | 40 | - | 39.9:0 40:0 40.1:1 59.9:1 60:1 60.1:2 99.9:2 100:2 100.1:3
Blood bilirubin increased | H | umol/L | 3 | 20 | 10 | 19.9:0 20:0 20.1:1 29.9:1 30:1 30.1:2 59.9:2 60:2 60.1:3 199.9:3 200:3 200.1:4
CD4 lymphocytes decreased | L | /mm3 | 600 | 1500 | - | 601:0 600:0 599:1 501:1 500:1 499:2 201:2 200:2 199:3 51:3 50:3 49:4
CD4 lymphocytes decreased | L | 10^9/L | 0.6 | 1.5 | - | 0.61:0 0.6:0 0.59:1 0.51:1 0.5:1 0.49:2 0.21:2 0.2:2 0.19:3 0.051:3 0.05:3 0.049:4
Cholesterol high | H | mg/dL | 100 | 200 | - | 199:0 200:0 201:1 299:1 300:1 301:2 399:2 400:2 401:3 499:3 500:3 501:4
Cholesterol high | H | mmol/L | 2.6 | 5.2 | - | 5.1:0 5.2:0 5.3:1 7.74:1 7.75:1 7.76:2 10.33:2 10.34:2 10.35:3 12.91:3 12.92:3 12.93:4
CPK increased | H | U/L | 20 | 200 | - | 199.9:0 200:0 200.1:1 499.9:1 500:1 500.1:2 999.9:2 1000:2 1000.1:3 1999.9:3 2000:3 2000.1:4
Creatinine increased | H | umol/L | 50 | 100 | 1000 | 99.9:0 100:0 100.1:1 149.9:1 150:1 150.1:2 299.9:2 300:2 300.1:3 599.9:3 600:3 600.1:4
Haptoglobin decreased | L | g/L | 0.3 | 2 | - | 0.31:0 0.3:0 0.29:1 0.01:1
Hemoglobin increased | H | g/dL | 12 | 17 | 15 | 16.9:0 17:0 17.1:1 18.9:1 19:1 19.1:2 20.9:2 21:2 21.1:3
Hypertension (systolic) | H | mmHg | - | - | - | 119.9:0 120:1 120.1:1 139.9:1 140:2 140.1:2 159.9:2 160:3 160.1:3
Hypertension (diastolic) | H | mm Hg | - | - | - | 79.9:0 80:1 80.1:1 89.9:1 90:2 90.1:2 99.9:2 100:3 100.1:3
Hemoglobin increased | H | g/L | 120 | 170 | 150 | 170:0 170.1:1 190:1 190.1:2 210:2 210.1:3
Lymphocyte count decreased | L | /mm3 | 1000 | 4000 | - | 1001:0 1000:0 999:1 801:1 800:1 799:2 501:2 500:2 499:3 201:3 200:3 199:4
Lymphocyte count decreased | L | 10^9/L | 1.0 | 4.0 | - | 1.01:0 1.0:0 0.99:1 0.81:1 0.8:1 0.79:2 0.51:2 0.5:2 0.49:3 0.21:3 0.2:3 0.19:4
Lymphocyte count increased | H | /mm3 | 1000 | 3500 | - | 3999:0 4000:0 4001:2 19999:2 20000:2 20001:3
Lymphocyte count increased | H | 10^9/L | 1.0 | 3.5 | - | 3.99:0 4:0 4.01:2 19.99:2 20:2 20.01:3
Neutrophil count decreased | L | /mm3 | 2000 | 7000 | - | 2001:0 2000:0 1999:1 1501:1 1500:1 1499:2 1001:2 1000:2 999:3 501:3 500:3 499:4
Neutrophil count decreased | L | 10^9/L | 2.0 | 7.0 | - | 2.01:0 2.0:0 1.99:1 1.51:1 1.5:1 1.49:2 1.01:2 1.0:2 0.99:3 0.51:3 0.5:3 0.49:4
Platelet count decreased | L | /mm3 | 150000 | 400000 | - | 150001:0 150000:0 149999:1 75001:1 75000:1 74999:2 50001:2 50000:2 49999:3 25001:3 25000:3 24999:4
Platelet count decreased | L | 10^9/L | 150 | 400 | - | 150.1:0 150:0 149.9:1 75.1:1 75:1 74.9:2 50.1:2 50:2 49.9:3 25.1:3 25:3 24.9:4
White blood cell decreased | L | /mm3 | 4000 | 11000 | - | 4001:0 4000:0 3999:1 3001:1 3000:1 2999:2 2001:2 2000:2 1999:3 1001:3 1000:3 999:4
White blood cell decreased | L | 10^9/L | 4.0 | 11.0 | - | 4.01:0 4:0 3.99:1 3.01:1 3:1 2.99:2 2.01:2 2:2 1.99:3 1.01:3 1:3 0.99:4
Acidosis | L | - | 7.35 | 7.45 | - | 7.36:0 7.35:0 7.34:1 7.31:1 7.3:1 7.29:3
Alkalosis | H | - | 7.35 | 7.45 | - | 7.44:0 7.45:0 7.46:1 7.49:1 7.5:1 7.51:3
Hypercalcemia | H | mg/dL | 8.5 | 10.5 | - | 10.4:0 10.5:0 10.6:1 11.4:1 11.5:1 11.6:2 12.4:2 12.5:2 12.6:3 13.4:3 13.5:3 13.6:4
Hypercalcemia | H | mmol/L | 2.1 | 2.6 | - | 2.59:0 2.6:0 2.61:1 2.89:1 2.9:1 2.91:2 3.09:2 3.1:2 3.11:3 3.39:3 3.4:3 3.41:4
Hypercalcemia (Ionized) | H | mmol/L | 1.1 | 1.3 | - | 1.29:0 1.3:0 1.31:1 1.49:1 1.5:1 1.51:2 1.59:2 1.6:2 1.61:3 1.79:3 1.8:3 1.81:4
Hyperkalemia | H | mmol/L | 3.5 | 5.1 | - | 5.0:0 5.1:0 5.2:1 5.4:1 5.5:1 5.6:2 5.9:2 6.0:2 6.1:3 6.9:3 7.0:3 7.1:4
Hypermagnesemia | H | mg/dL | 1.7 | 2.5 | - | 2.4:0 2.5:0 2.6:1 2.9:1 3.0:1 3.1:3 7.9:3 8.0:3 8.1:4
Hypermagnesemia | H | mmol/L | 0.7 | 1.05 | - | 1.04:0 1.05:0 1.06:1 1.22:1 1.23:1 1.24:3 3.29:3 3.3:3 3.31:4
Hypernatremia | H | mmol/L | 135 | 145 | - | 144:0 145:0 146:1 149:1 150:1 151:2 154:2 155:2 156:3 159:3 160:3 161:4
Hypertriglyceridemia | H | mg/dL | 40 | 150 | - | 149:0 150:1 151:1 299:1 300:1 301:2 499:2 500:2 501:3 999:3 1000:3 1001:4
Hypertriglyceridemia | H | mmol/L | 0.5 | 1.7 | - | 1.7:0 1.71:1 1.72:1 3.41:1 3.42:1 3.43:2 5.69:2 5.7:2 5.71:3 11.39:3 11.4:3 11.41:4
Hypoalbuminemia | L | g/dL | 3.5 | 5 | - | 3.6:0 3.5:0 3.4:1 3.1:1 3:1 2.9:2 2.1:2 2:2 1.9:3
Hypoalbuminemia | L | g/L | 35 | 50 | - | 36:0 35:0 34:1 31:1 30:1 29:2 21:2 20:2 19:3
Hypocalcemia | L | mg/dL | 8.5 | 10.5 | - | 8.6:0 8.5:0 8.4:1 8.1:1 8.0:1 7.9:2 7.1:2 7.0:2 6.9:3 6.1:3 6.0:3 5.9:4
Hypocalcemia | L | mmol/L | 2.2 | 2.6 | - | 2.21:0 2.2:0 2.19:1 2.01:1 2.0:1 1.99:2 1.76:2 1.75:2 1.74:3 1.51:3 1.5:3 1.49:4
Hypocalcemia (Ionized) | L | mmol/L | 1.1 | 1.3 | - | 1.11:0 1.1:0 1.09:1 1.01:1 1.0:1 0.99:2 0.91:2 0.9:2 0.89:3 0.81:3 0.8:3 0.79:4
Hypoglycemia | L | mg/dL | 70 | 100 | - | 71:0 70:0 69:1 56:1 55:1 54:2 41:2 40:2 39:3 31:3 30:3 29:4
Hypoglycemia | L | mmol/L | 3.9 | 5.6 | - | 3.91:0 3.9:0 3.89:1 3.01:1 3.0:1 2.99:2 2.21:2 2.2:2 2.19:3 1.71:3 1.7:3 1.69:4
Hypokalemia | L | mmol/L | 3.5 | 5.1 | - | 3.6:0 3.5:0 3.4:1 3.1:1 3.0:1 2.9:3 2.6:3 2.5:3 2.4:4
Hypomagnesemia | L | mg/dL | 1.7 | 2.5 | - | 1.8:0 1.7:0 1.6:1 1.3:1 1.2:1 1.1:2 1.0:2 0.9:2 0.8:3 0.71:3 0.7:3 0.69:4
Hypomagnesemia | L | mmol/L | 0.7 | 1.05 | - | 0.71:0 0.7:0 0.69:1 0.51:1 0.5:1 0.49:2 0.41:2 0.4:2 0.39:3 0.31:3 0.3:3 0.29:4
"""

V5 = """
Alanine aminotransferase increased | H | U/L | 5 | 40 | 30 | 39.9:0 40:0 40.1:1 119.9:1 120:1 120.1:2 199.9:2 200:2 200.1:3 799.9:3 800:3 800.1:4
Alanine aminotransferase increased | H | U/L | 5 | 40 | 60 | 89.9:0 90:1 90.1:1 179.9:1 180:1 180.1:2 299.9:2 300:2 300.1:3 1199.9:3 1200:3 1200.1:4
Aspartate aminotransferase increased | H | U/L | 5 | 40 | 30 | 39.9:0 40:0 40.1:1 119.9:1 120:1 120.1:2 199.9:2 200:2 200.1:3 799.9:3 800:3 800.1:4
Aspartate aminotransferase increased | H | U/L | 5 | 40 | 60 | 89.9:0 90:1 90.1:1 179.9:1 180:1 180.1:2 299.9:2 300:2 300.1:3 1199.9:3 1200:3 1200.1:4
Alkaline phosphatase increased | H | U/L | 30 | 100 | 80 | 99.9:0 100:0 100.1:1 249.9:1 250:1 250.1:2 499.9:2 500:2 500.1:3 1999.9:3 2000:3 2000.1:4
Alkaline phosphatase increased | H | U/L | 30 | 100 | 150 | 299.9:0 300:1 300.1:1 374.9:1 375:1 375.1:2 749.9:2 750:2 750.1:3 2999.9:3 3000:3 3000.1:4
GGT increased | H | U/L | 10 | 100 | 80 | 99.9:0 100:0 100.1:1 249.9:1 250:1 250.1:2 499.9:2 500:2 500.1:3 1999.9:3 2000:3 2000.1:4
GGT increased | H | U/L | 10 | 100 | 150 | 299.9:0 300:1 300.1:1 374.9:1 375:1 375.1:2 749.9:2 750:2 750.1:3 2999.9:3 3000:3 3000.1:4
Blood bilirubin increased | H | umol/L | 3 | 20 | 30 | 29.9:0 30:0 30.1:1 44.9:1 45:1 45.1:2 89.9:2 90:2 90.1:3 299.9:3 300:3 300.1:4
Blood lactate dehydrogenase increased | H | U/L | 100 | 250 | - | 249.9:0 250:0 250.1:1 10000:1
Creatinine increased | H | umol/L | 50 | 1000 | 50 | 60:0 74.9:0 75:0 75.1:2 149.9:2 150:2 150.1:3
Fibrinogen decreased | L | mg/dL | 300 | 500 | 350 | 300.1:0 300:0 299.9:1 225.1:1 225:1 224.9:2 150.1:2 150:2 149.9:3 75.1:3 75:3 74.9:4
Fibrinogen decreased | L | mg/dL | 150 | 400 | 200 | 50.1:3 50:3 49.9:4
Fibrinogen decreased | L | mg/dL | 400 | 600 | 360 | 360.1:0 360:0 359.9:1 270.1:1 270:2 269.9:2 180.1:2 180:3 179.9:3 90.1:3 90:4 89.9:4
INR increased | H | - | 0.8 | 1.1 | - | 1.19:0 1.2:0 1.21:1 1.49:1 1.5:1 1.51:2 2.49:2 2.5:2 2.51:3
Lipase increased | H | U/L | 10 | 60 | - | 59.9:0 60:0 60.1:1 89.9:1 90:1 90.1:2 119.9:2 120:2 120.1:2 299.9:2 300:2 300.1:3
Serum amylase increased | H | U/L | 30 | 100 | - | 99.9:0 100:0 100.1:1 149.9:1 150:1 150.1:2 199.9:2 200:2 200.1:2 499.9:2 500:2 500.1:3
Hyperuricemia | H | mg/dL | 2.5 | 7 | - | 6.9:0 7:0 7.1:1 20:1
Hyponatremia | L | mmol/L | 135 | 145 | - | 136:0 135:0 134:1 131:1 130:1 129:2 126:2 125:2 124:3 121:3 120:3 119:4
"""

V4 = """
Alanine aminotransferase increased | H | U/L | 5 | 40 | 60 | 39.9:0 40:0 40.1:1 119.9:1 120:1 120.1:2 199.9:2 200:2 200.1:3 799.9:3 800:3 800.1:4
Aspartate aminotransferase increased | H | U/L | 5 | 40 | 60 | 39.9:0 40:0 40.1:1 119.9:1 120:1 120.1:2 199.9:2 200:2 200.1:3 799.9:3 800:3 800.1:4
Alkaline phosphatase increased | H | U/L | 30 | 100 | 150 | 99.9:0 100:0 100.1:1 249.9:1 250:1 250.1:2 499.9:2 500:2 500.1:3 1999.9:3 2000:3 2000.1:4
GGT increased | H | U/L | 10 | 100 | 150 | 99.9:0 100:0 100.1:1 249.9:1 250:1 250.1:2 499.9:2 500:2 500.1:3 1999.9:3 2000:3 2000.1:4
Blood bilirubin increased | H | umol/L | 3 | 20 | 30 | 19.9:0 20:0 20.1:1 29.9:1 30:1 30.1:2 59.9:2 60:2 60.1:3 199.9:3 200:3 200.1:4
Creatinine increased | H | umol/L | 10 | 1000 | 50 | 49.9:0 50:0 50.1:1 74.9:1 75:1 75.1:2 149.9:2 150:2 150.1:3
Fibrinogen decreased | L | mg/dL | 300 | 500 | 100 | 300.1:0 300:0 299.9:1 225.1:1 225:1 224.9:2 150.1:2 150:2 149.9:3 75.1:3 75:3 74.9:4
Fibrinogen decreased | L | mg/dL | 150 | 400 | 60 | 50.1:3 50:3 49.9:4
Fibrinogen decreased | L | mg/dL | 100 | 500 | 400 | 400.1:0 400:0 399.9:1 300.1:1 300:2 299.9:2 200.1:2 200:3 199.9:3 100.1:3 100:4 99.9:4
Hemoglobin increased | H | g/dL | 12 | 17 | 18 | 17.9:0 18:0 18.1:1 20:1 20.1:2 22:2 22.1:3
INR increased | H | - | 0.8 | 1.2 | - | 1.19:0 1.2:0 1.21:1 1.79:1 1.8:1 1.81:2 2.99:2 3.0:2 3.01:3
Lipase increased | H | U/L | 10 | 60 | - | 59.9:0 60:0 60.1:1 89.9:1 90:1 90.1:2 119.9:2 120:2 120.1:3 299.9:3 300:3 300.1:4
Serum amylase increased | H | U/L | 30 | 100 | - | 99.9:0 100:0 100.1:1 149.9:1 150:1 150.1:2 199.9:2 200:2 200.1:3 499.9:3 500:3 500.1:4
Hyperglycemia (Fasting) | H | mg/dL | 70 | 100 | - | 99:0 100:0 101:1 159:1 160:1 161:2 249:2 250:2 251:3 499:3 500:3 501:4
Hyperglycemia (Fasting) | H | mmol/L | 3.9 | 5.6 | - | 5.5:0 5.6:0 5.7:1 8.8:1 8.9:1 9.0:2 13.8:2 13.9:2 14.0:3 27.7:3 27.8:3 27.9:4
Hyperglycemia | H | mg/dL | 70 | 100 | - | 101:0 249:0 250:0 251:3 499:3 500:3 501:4
Hyperglycemia | H | mmol/L | 3.9 | 5.6 | - | 13.8:0 13.9:0 14:3 27.8:3 27.9:4
Hyperuricemia | H | mg/dL | 2.5 | 7 | - | 6.9:0 7:0 7.1:1 9.9:1 10:1 10.1:4
Hyperuricemia | H | mmol/L | 0.15 | 0.42 | - | 0.41:0 0.42:0 0.43:1 0.58:1 0.59:1 0.6:4
Hyperuricemia | H | umol/L | 150 | 420 | - | 420:0 421:1 590:1 591:4
Hyponatremia | L | mmol/L | 135 | 145 | - | 136:0 135:0 134:1 131:1 130:1 129:3 121:3 120:3 119:4
Hypophosphatemia | L | mg/dL | 2.7 | 4.5 | - | 2.8:0 2.7:0 2.6:1 2.51:1 2.5:1 2.49:2 2.01:2 2.0:2 1.99:3 1.01:3 1.0:3 0.99:4
Hypophosphatemia | L | mmol/L | 0.87 | 1.45 | - | 0.88:0 0.87:0 0.86:1 0.81:1 0.8:1 0.79:2 0.61:2 0.6:2 0.59:3 0.31:3 0.3:3 0.29:4
"""


def _lines(block: str, version: str) -> list:
    cases = []
    for line in block.strip().splitlines():
        term, direction, unit, lln, uln, base, pairs = (part.strip() for part in line.split("|"))
        values, grades = zip(*(pair.split(":") for pair in pairs.split()), strict=True)
        opt = [None if x == "-" else x for x in (unit, lln, uln, base)]
        cases.append(pytest.param(version, term, direction, *opt, values, grades, id=f"{version}-{term}-{unit}-{base}"))
    return cases


BOUNDARY = [*_lines(COMMON, "ctcae_v5"), *_lines(COMMON, "ctcae_v4"), *_lines(V5, "ctcae_v5"), *_lines(V4, "ctcae_v4")]


@pytest.mark.parametrize(("criteria", "term", "direction", "unit", "lln", "uln", "base", "values", "grades"), BOUNDARY)
def test_grade_at_each_threshold(criteria, term, direction, unit, lln, uln, base, values, grades):
    n = len(values)
    got = compute_atoxgr(
        [term] * n,
        [float(v) for v in values],
        direction=direction,
        criteria=criteria,
        unit=[unit] * n,
        anrlo=[lln] * n,
        anrhi=[uln] * n,
        base=[base] * n,
    )
    assert dict(zip(values, got, strict=True)) == dict(zip(values, grades, strict=True))


@pytest.mark.parametrize("criteria", ["ctcae_v5", "ctcae_v4"])
def test_every_term_of_the_table_has_boundary_cases(criteria):
    table = load_criteria(criteria)
    tested = {(c.values[1], c.values[2]) for c in BOUNDARY if c.values[0] == criteria}
    in_table = {(r.term, r.direction) for r in table.rows}
    assert in_table == tested


@pytest.mark.parametrize(("criteria", "published"), [("ctcae_v5", "ctcae-v5"), ("ctcae_v4", "ctcae-v4")])
def test_the_table_covers_every_published_term(criteria, published):
    text = pd.read_csv(shared_path("standards", "ctcae", f"{published}-laboratory-terms.csv"))
    table = load_criteria(criteria)
    # and the value criteria of the Vascular disorders term Hypertension, graded on vital signs
    vital = {("Hypertension (systolic)", "H"), ("Hypertension (diastolic)", "H")}
    assert {(r.term, r.direction) for r in table.rows} == set(zip(text["TERM"], text["DIRECTION"], strict=True)) | vital


# --- null cases -----------------------------------------------------------------------------

NULLS = [
    # criteria, term, direction, unit, lln, uln, base, value, expected, why
    ("ctcae_v5", "Anemia", "L", "g/dL", 12, 16, None, None, None, "AVAL missing"),
    ("ctcae_v5", None, "L", "g/dL", 12, 16, None, 9, None, "no term"),
    ("ctcae_v5", "Hyperphosphatemia", "H", "mg/dL", 2.5, 4.5, None, 9, None, "term not in the table"),
    ("ctcae_v5", "Anemia", "H", "g/dL", 12, 16, None, 9, None, "term not in the table in this direction"),
    ("ctcae_v5", "Anemia", "L", "mg/dL", 12, 16, None, 9, None, "a unit with no row"),
    ("ctcae_v5", "Anemia", "L", None, 12, 16, None, 9, None, "unit missing"),
    ("ctcae_v5", "Anemia", "L", "g/dL", None, 16, None, 11, None, "grade 1 needs LLN"),
    ("ctcae_v5", "Anemia", "L", "g/dL", None, 16, None, 9, "2", "grade 2 needs no LLN"),
    ("ctcae_v5", "Anemia", "L", "G/DL", 12, 16, None, 9, "2", "units compared case-insensitively"),
    ("ctcae_v5", "Anemia", "L", "gm/dL", 12, 16, None, 9, "2", "a spelling the table accepts"),
    ("ctcae_v5", "Platelet count decreased", "L", "GI/L", 150, 400, None, 60, "2", "GI/L is 10^9/L"),
    ("ctcae_v5", "Hemoglobin increased", "H", "mmol/L", 7.5, 10, None, 9, None, "Hgb increased has no mmol/L"),
    ("ctcae_v5", "Cholesterol high", "H", "mg/dL", None, None, None, 450, "3", "grade 3 needs no ULN"),
    ("ctcae_v5", "Cholesterol high", "H", "mg/dL", None, None, None, 250, None, "grade 1 needs ULN"),
    ("ctcae_v5", "CPK increased", "H", "U/L", 20, None, None, 250, None, "ULN missing"),
    ("ctcae_v5", "Alanine aminotransferase increased", "H", "U/L", 5, 40, None, 100, None, "baseline missing"),
    ("ctcae_v5", "Alanine aminotransferase increased", "H", "U/L", 5, 40, None, 30, None, "baseline missing"),
    ("ctcae_v4", "Alanine aminotransferase increased", "H", "U/L", 5, 40, None, 100, "1", "v4 needs no baseline"),
    ("ctcae_v4", "Creatinine increased", "H", "umol/L", 50, 100, None, 700, "4", "grade 4 needs no baseline"),
    ("ctcae_v4", "Creatinine increased", "H", "umol/L", 50, 100, None, 120, None, "grade 2 by baseline unknown"),
    ("ctcae_v5", "Lipase increased", "H", "U/L", 10, 60, None, 1000, "3", "grade 4 needs symptoms"),
]


@pytest.mark.parametrize(
    ("criteria", "term", "direction", "unit", "lln", "uln", "base", "value", "expected", "why"),
    NULLS,
    ids=[case[-1] for case in NULLS],
)
def test_null_and_partial_cases(criteria, term, direction, unit, lln, uln, base, value, expected, why):
    got = compute_atoxgr(
        [term], [value], direction=direction, criteria=criteria, unit=[unit], anrlo=[lln], anrhi=[uln], base=[base]
    )
    assert list(got) == [expected]


def _adlb(**columns) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def test_derive_var_atoxgr_dir_adds_the_grade_as_text():
    adlb = _adlb(
        USUBJID=["1", "2", "3", "4"],
        ATOXDSCL=["Anemia", "Anemia", None, "Anemia"],
        AVAL=[9.0, 13.0, 9.0, None],
        AVALU=["g/dL"] * 4,
        ANRLO=[12.0] * 4,
        ANRHI=[16.0] * 4,
        BASE=[13.0] * 4,
    )
    out = derive_var_atoxgr_dir(adlb, new_var="ATOXGRL", direction="L", term="ATOXDSCL")
    assert out["ATOXGRL"].tolist() == ["2", "0", None, None]
    assert out["ATOXGRL"].dtype == object
    assert list(out.columns) == [*adlb.columns, "ATOXGRL"]


@pytest.mark.parametrize(("bnrind", "expected"), [("HIGH", "2"), ("NORMAL", "1"), ("LOW", "1"), (None, None)])
def test_baseline_status_from_bnrind(bnrind, expected):
    # BASE 30 is below ULN 40; BNRIND decides: abnormal (HIGH) grades 100 by 3.3 x baseline,
    # normal by 2.5 x ULN
    adlb = _adlb(
        ATOXDSCH=["Alanine aminotransferase increased"],
        AVAL=[100.0],
        AVALU=["U/L"],
        ANRLO=[5.0],
        ANRHI=[40.0],
        BASE=[30.0],
        BNRIND=[bnrind],
    )
    out = derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", direction="H", bnrind="BNRIND")
    assert out["ATOXGRH"].tolist() == [expected]


def test_baseline_status_from_base_against_the_range():
    adlb = _adlb(
        ATOXDSCH=["Alanine aminotransferase increased"] * 2,
        AVAL=[100.0, 100.0],
        AVALU=["U/L"] * 2,
        ANRLO=[5.0] * 2,
        ANRHI=[40.0] * 2,
        BASE=[30.0, 41.0],
    )
    out = derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", direction="H")
    assert out["ATOXGRH"].tolist() == ["1", "1"]  # 2.5 x ULN; 2.4 x baseline 41


# --- errors ---------------------------------------------------------------------------------


def test_missing_column_is_named():
    adlb = _adlb(ATOXDSCH=["CPK increased"], AVAL=[1.0], AVALU=["U/L"], ANRLO=[1.0], ANRHI=[2.0])
    with pytest.raises(AdamInputError) as err:
        derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", direction="H")
    assert str(err.value) == "ADLB: missing column(s) BASE (it has ATOXDSCH, AVAL, AVALU, ANRLO, ANRHI)"


def test_bad_direction_is_named():
    adlb = _adlb(ATOXDSCH=["CPK increased"], AVAL=[1.0])
    with pytest.raises(AdamInputError, match=re.escape("ADLB: direction 'X' for ATOXGRH is not L or H")):
        derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", direction="X", unit=None, anrlo=None, anrhi=None, base=None)


def test_non_numeric_aval_is_named():
    adlb = _adlb(ATOXDSCH=["CPK increased", "CPK increased"], AVAL=["12", "<5"])
    with pytest.raises(AdamInputError) as err:
        derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", direction="H", unit=None, anrlo=None, anrhi=None, base=None)
    assert str(err.value) == "ADLB.AVAL: not numbers: '<5'"


def test_unknown_bnrind_value_is_named():
    adlb = _adlb(ATOXDSCH=["CPK increased"], AVAL=[1.0], BNRIND=["ABNORMAL"])
    with pytest.raises(AdamInputError) as err:
        derive_var_atoxgr_dir(
            adlb, new_var="ATOXGRH", direction="H", unit=None, anrlo=None, anrhi=None, base=None, bnrind="BNRIND"
        )
    assert str(err.value) == "ADLB.BNRIND: value(s) ABNORMAL are not HIGH, LOW or NORMAL"


HEADER = "TERM,DIRECTION,GRADE,UNIT,BASELINE,LOWER,LOWER_REF,LOWER_INCL,UPPER,UPPER_REF,UPPER_INCL,SOURCE,NOTE\n"


def test_load_criteria_reads_a_user_table(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + "Hyperphosphatemia,H,1,mg/dL|MG/DL,,1,ULN,N,5.0,ABS,Y,published,\n", encoding="utf-8")
    got = compute_atoxgr(["Hyperphosphatemia"] * 3, [4.5, 4.6, 5.1], direction="H", criteria=path, unit=["mg/dL"] * 3,
                         anrhi=[4.5] * 3)  # fmt: skip
    assert list(got) == ["0", "1", "0"]


def test_load_criteria_reports_every_fault_with_file_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "Anemia,X,1,g/dL,,10,ABS,Y,1,LLN,N,published,\n"
        + "Anemia,L,5,g/dL,,,,,8,ABS,N,published,\n"
        + "Anemia,L,2,g/dL,SOMETIMES,eight,ABS,Y,10,ABS,maybe,published,\n"
        + "Anemia,L,3,g/dL,,,,,,,,guessed,\n",
        encoding="utf-8",
    )
    with pytest.raises(CriteriaError) as err:
        load_criteria(path)
    assert str(err.value) == "\n".join(
        [
            "7 problem(s) in the criteria table:",
            f"{path}, line 2, column DIRECTION: found 'X', expected L or H",
            f"{path}, line 3, column GRADE: found '5', expected 1, 2, 3 or 4",
            f"{path}, line 4, column BASELINE: found 'SOMETIMES', expected NORMAL, ABNORMAL or blank",
            f"{path}, line 4, column LOWER: found 'eight', expected a number or blank",
            f"{path}, line 4, column UPPER_INCL: found 'maybe', expected Y or N",
            f"{path}, line 5, column SOURCE: found 'guessed', expected published or converted",
            f"{path}, line 5, column LOWER: found '', expected a bound in LOWER or UPPER (both are blank)",
        ]
    )


def test_load_criteria_names_missing_columns_and_files(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("TERM,DIRECTION,GRADE\nAnemia,L,1\n", encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        load_criteria(path)
    assert str(err.value) == (
        f"{path}: missing column(s) UNIT, BASELINE, LOWER, LOWER_REF, LOWER_INCL, UPPER, UPPER_REF, UPPER_INCL, "
        "SOURCE, NOTE (it has TERM, DIRECTION, GRADE)"
    )
    with pytest.raises(CriteriaError) as err:
        load_criteria("ctcae_v6")
    assert str(err.value) == "ctcae_v6: no such criteria table (the package has ctcae_v5, ctcae_v4)"


# --- ATOXGR ----------------------------------------------------------------------------------

ATOXGR = [
    # ATOXDSCL, ATOXDSCH, ATOXGRL, ATOXGRH, ATOXGR (admiral's documented rules)
    (None, None, None, None, None),
    ("Hypoglycemia", "Hyperglycemia", None, None, None),
    ("Hypoglycemia", "Hyperglycemia", None, "0", None),
    ("Hypoglycemia", "Hyperglycemia", "0", None, None),
    ("Hypoglycemia", "Hyperglycemia", "0", "0", "0"),
    (None, "INR increased", None, "0", "0"),
    ("Hypophosphatemia", None, "0", None, "0"),
    ("Hypoglycemia", "Hyperglycemia", "2", "0", "-2"),
    ("Hypoglycemia", "Hyperglycemia", "3", None, "-3"),
    ("Hypoglycemia", "Hyperglycemia", "0", "4", "4"),
    ("Hypoglycemia", "Hyperglycemia", None, "1", "1"),
]


def test_derive_var_atoxgr_follows_admiral():
    adlb = pd.DataFrame(ATOXGR, columns=["ATOXDSCL", "ATOXDSCH", "ATOXGRL", "ATOXGRH", "EXPECTED"], dtype=object)
    out = derive_var_atoxgr(adlb.drop(columns="EXPECTED"))
    assert out["ATOXGR"].tolist() == adlb["EXPECTED"].tolist()


def test_derive_var_atoxgr_names_a_bad_grade():
    adlb = _adlb(ATOXDSCL=["Anemia"], ATOXDSCH=[None], ATOXGRL=["5"], ATOXGRH=[None])
    with pytest.raises(AdamInputError) as err:
        derive_var_atoxgr(adlb)
    assert str(err.value) == "ADLB.ATOXGRL: value(s) 5 are not grades 0 to 4"


# --- the pharmaverse ADLB (admiral, NCI-CTCAE v4) ----------------------------------------------

# Where we differ from the reference, by pattern (adam_builder/criteria/README.md says why).
EXPECTED_DIFFERENCES = {
    "ATOXGRL": {("Anemia", "mmol/L", None), ("Hypokalemia", "mmol/L", "2")},
    "ATOXGRH": set(),
}


def test_against_the_pharmaverse_adlb():
    ref = pd.read_csv(shared_path("reference", "pharmaverse", "adam", "adlb.csv.gz"), low_memory=False)
    # the unit: PARAM's parenthesis ("Hemoglobin (mmol/L)"), else LBSTRESU
    ref["UNIT"] = ref["PARAM"].str.extract(r"\(([^()]*)\)\s*$")[0].fillna(ref["LBSTRESU"])
    out = ref
    for new_var, direction, term in (("ATOXGRL", "L", "ATOXDSCL"), ("ATOXGRH", "H", "ATOXDSCH")):
        out = derive_var_atoxgr_dir(
            out.drop(columns=new_var).assign(**{f"REF_{new_var}": ref[new_var]}),
            new_var=new_var,
            direction=direction,
            criteria="ctcae_v4",
            term=term,
            unit="UNIT",
        )
    for new_var, term in (("ATOXGRL", "ATOXDSCL"), ("ATOXGRH", "ATOXDSCH")):
        theirs = out[f"REF_{new_var}"].map(lambda v: None if pd.isna(v) else str(int(v)))
        ours = out[new_var]
        same = (theirs == ours) | (theirs.isna() & ours.isna())
        graded = theirs.notna()
        agreement = (same & graded).sum() / graded.sum()
        differ = out.assign(THEIRS=theirs, OURS=ours)[~same]
        patterns = differ.groupby([term, "UNIT", "THEIRS", "OURS"], dropna=False).size()
        print(f"{new_var}: {int((same & graded).sum())} of {int(graded.sum())} graded records agree ({agreement:.2%});"
              f" {int(same.sum())} of {len(same)} records overall\n{patterns.to_string()}")  # fmt: skip
        assert agreement >= 0.99, new_var
        found = {(t, u, None if pd.isna(g) else g) for t, u, g, _ in patterns.index}
        assert found == EXPECTED_DIFFERENCES[new_var], new_var
    # ATOXGR from the two, as the reference derives it
    overall = derive_var_atoxgr(out.assign(ATOXGRL=out["REF_ATOXGRL"], ATOXGRH=out["REF_ATOXGRH"]))
    theirs = ref["ATOXGR"].map(lambda v: None if pd.isna(v) else str(int(v)))
    assert (overall["ATOXGR"].fillna("NA") == theirs.fillna("NA")).mean() == pytest.approx(1.0)
    assert np.all(out.index == ref.index)
