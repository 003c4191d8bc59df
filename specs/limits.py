"""The size limits SAS transport v5 and the FDA Technical Conformance Guide set on a submitted dataset.

    MAX_NAME          8  characters in a dataset or variable name (also QNAM, --TESTCD, TSPARMCD)
    MAX_LABEL        40  characters in a dataset or variable label (also QLABEL, --TEST, TSPARM)
    MAX_VALUE_BYTES 200  bytes in a character value; longer text is split (SDTMIG 4.5.3)

Every module that tests or applies one of these reads it from here.
"""

from __future__ import annotations

MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
