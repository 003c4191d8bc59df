"""The standards library: implementation-guide metadata and controlled terminology, installed
once from the published files and looked up by name and version.

A package is one of
- a controlled terminology (CT) release: `sdtmct`, `adamct`, `define-xmlct`, `protocolct`,
  `sendct`, `cdashct`, versioned by its release date (2025-03-28). Read from the NCI EVS
  tab-delimited file (`SDTM Terminology.txt`: Code, Codelist Code, Codelist Extensible
  (Yes/No), Codelist Name, CDISC Submission Value, CDISC Synonym(s), CDISC Definition, NCI
  Preferred Term) or from a CSV, optionally gzip, with one row per term in the columns of
  `specs.ct.CT_COLUMNS`;
- an implementation guide's model metadata: `sdtmig` (3.4) or `adamig` (1.3), read from a
  folder in the CDISC Library export layout (Datasets.csv or DataStructures.csv, and
  Variables.csv).

`cdisc-build standards add FILE` converts a file into the library (one folder per package,
`<name>-<version>/` with `package.json` and parquet tables), so that loading one costs
milliseconds, not the seconds of parsing the published text. The library is the folder named
by the environment variable CDISC_BUILD_STANDARDS, else `$XDG_DATA_HOME/cdisc-build/standards`
(`~/.local/share/cdisc-build/standards`). The library replaces only packages it wrote itself.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from .ct import CT_COLUMNS, Terminology, TerminologyError

LIBRARY_ENV = "CDISC_BUILD_STANDARDS"
MANIFEST = "package.json"
_FORMAT = 1  # the layout of a package folder; a folder of another layout is refused, not misread

# the CT packages by the publishing set Define-XML names them with (def:Standard PublishingSet)
CT_PACKAGES = {
    "sdtmct": "SDTM",
    "adamct": "ADaM",
    "define-xmlct": "DEFINE-XML",
    "protocolct": "PROTOCOL",
    "sendct": "SEND",
    "cdashct": "CDASH",
}
IG_PACKAGES = {"sdtmig": "SDTMIG", "adamig": "ADaMIG"}
# which CT package a standard's datasets draw their terms from
CT_OF_STANDARD = {"sdtmig": "sdtmct", "adamig": "adamct"}
# every CT package a standard's variables name codelists of (ADaMIG variables such as SEX and
# AGEU take SDTM codelists), the standard's own first
CT_DRAWN_ON = {"sdtmig": ("sdtmct",), "adamig": ("adamct", "sdtmct")}
# the Study sheet attribute a spec names its release of a CT package with (SDTM CT: 2025-03-28)
CT_STUDY_ATTRIBUTE = {"sdtmct": "SDTM CT", "adamct": "ADaM CT"}

_DATE = r"(\d{4}-\d{2}-\d{2})"
_CT_FILE_NAME = re.compile(rf"^({'|'.join(map(re.escape, CT_PACKAGES))})[-_ ]?{_DATE}", re.IGNORECASE)
_EVS_FILE_NAME = re.compile(rf"^(SDTM|ADaM|Define-XML|Protocol|SEND|CDASH) Terminology[ _-]*{_DATE}?", re.IGNORECASE)
_IG_VERSION = re.compile(r"^(SDTMIG|ADaMIG)\s+v?(\d+(?:\.\d+)*)$", re.IGNORECASE)
_STANDARD = re.compile(r"^\s*(sdtmig|adamig)(?:[\s_-]*v?(\d+(?:\.\d+)*))?\s*$", re.IGNORECASE)
_CT_RELEASE = re.compile(rf"^(?:({'|'.join(map(re.escape, CT_PACKAGES))})[-_ ]?)?{_DATE}$", re.IGNORECASE)
# the placeholders of ADaMIG variable names and labels: xx, zz (01-99), y, w (1-9), * (any prefix)
_PLACEHOLDER = re.compile(r"xx|zz|y|w|\*")
_LABEL_PLACEHOLDER = re.compile(r"\b(?:xx|zz|y|w)\b|\{[^}]*\}")  # {Date}: any text

# the NCI EVS tab-delimited layout, and the CT_COLUMNS each of its columns becomes
_EVS_COLUMNS = {
    "Code": "term_code",
    "Codelist Code": "codelist_code",
    "Codelist Extensible (Yes/No)": "extensible",
    "Codelist Name": "codelist_name",
    "CDISC Submission Value": "submission_value",
    "CDISC Synonym(s)": "synonyms",
    "CDISC Definition": "definition",
    "NCI Preferred Term": "preferred_term",
}


class StandardsError(ValueError):
    """A package that cannot be read, installed or found: names the file or the package and why."""


@dataclass(frozen=True)
class PackageInfo:
    """What the library knows of one installed package (its package.json)."""

    kind: str  # "ct" or "ig"
    name: str  # sdtmct, adamct, ..., sdtmig, adamig
    version: str
    source: str  # the file or folder name it was installed from
    sha256: str  # of the source file(s), to tell one release from another with the same name
    rows: int  # terms (CT) or variables (IG)
    codelists: int = 0  # CT: codelists; IG: datasets
    path: Path | None = None  # the package folder

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def size(self) -> int:
        """Bytes on disk of the installed package."""
        if self.path is None:
            return 0
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def describe(self) -> str:
        what = (
            f"{self.codelists:,} codelists, {self.rows:,} terms"
            if self.kind == "ct"
            else f"{self.codelists:,} datasets, {self.rows:,} variables"
        )
        return f"{self.key} ({what}; from {self.source})"


def library_path() -> Path:
    """The library folder: $CDISC_BUILD_STANDARDS, else the user's data folder."""
    named = os.environ.get(LIBRARY_ENV)
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cdisc-build" / "standards"


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.-]", version))


# ---------------------------------------------------------------------------
# The implementation guide model
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IgVariable:
    """One variable of a dataset or structure as the guide defines it."""

    dataset: str  # the domain (SDTMIG: AE, SUPPQUAL ...) or structure (ADaMIG: ADSL, BDS)
    name: str  # as the guide writes it: AETERM, or for ADaM TRTxxP
    order: int
    label: str
    data_type: str  # Char or Num
    codelists: tuple[str, ...]  # NCI codelist codes
    role: str | None
    core: str  # Req, Exp, Perm (ADaM also Cond)
    value_list: tuple[str, ...] = ()  # the values a variable is fixed to (DOMAIN: AE)
    value_domain: str | None = None  # "ISO 8601 datetime or interval", "MedDRA" ...
    variable_set: str | None = None  # ADaMIG: the group the variable belongs to
    notes: str | None = None


@dataclass(frozen=True)
class IgDataset:
    name: str  # domain or ADaM structure
    label: str
    observation_class: str  # SDTM: Interventions, Events, Findings ...; ADaM: the structure's class
    structure: str | None = None


def _placeholder_pattern(token: str) -> str:
    return {"xx": r"\d\d", "zz": r"\d\d", "y": r"[1-9]", "w": r"[1-9]", "*": r"[A-Z][A-Z0-9]{0,5}"}[token]


@functools.lru_cache(maxsize=4096)
def name_pattern(name: str) -> re.Pattern[str]:
    """The variable names a guide's name stands for: TRTxxP is TRT01P ... TRT99P, AGEGRy is AGEGR1 ...
    AGEGR9, *DT is ADT, ASTDT ... (ADaMIG placeholders; an SDTMIG name stands for itself)."""
    parts, at = [], 0
    for m in _PLACEHOLDER.finditer(name):
        parts += [re.escape(name[at : m.start()]), _placeholder_pattern(m.group())]
        at = m.end()
    parts.append(re.escape(name[at:]))
    return re.compile("".join(parts))


@functools.lru_cache(maxsize=4096)
def label_pattern(label: str) -> re.Pattern[str]:
    """The labels a guide's label stands for: 'Planned Treatment for Period xx' is '... Period 01';
    '{Date}' (the label of *DT) is any label."""
    parts, at = [], 0
    for m in _LABEL_PLACEHOLDER.finditer(label):
        parts += [re.escape(label[at : m.start()]), r"\d{1,2}" if m.group()[0] != "{" else ".+"]
        at = m.end()
    parts.append(re.escape(label[at:]))
    return re.compile("".join(parts))


def first_instance(text: str, label: bool = False) -> str | None:
    """A guide's name or label with its placeholders as the first of the series (TRTxxP: TRT01P,
    AGEGRy: AGEGR1); None for a name with a '*' prefix, which has no first instance."""
    if not label and "*" in text:
        return None
    pattern = _LABEL_PLACEHOLDER if label else _PLACEHOLDER
    return pattern.sub(lambda m: "01" if m.group() in ("xx", "zz") else "1" if m.group()[0] != "{" else m.group(), text)


def parse_standard(text: str) -> tuple[str, str | None]:
    """('sdtmig', '3.4') of 'sdtmig-3.4', 'SDTMIG 3.4' or 'SDTMIGv3.4'; ('sdtmig', None) of 'sdtmig'."""
    match = _STANDARD.match(text)
    if not match:
        raise StandardsError(
            f"unknown standard {text!r}: give an implementation guide and version, such as "
            f"sdtmig-3.4 or adamig-1.3 (or the name alone for the newest installed)"
        )
    return match.group(1).lower(), match.group(2)


def parse_ct_release(text: str) -> tuple[str | None, str] | None:
    """(package or None, release date) of '2025-03-28' or 'sdtmct-2025-03-28'; None for other text."""
    match = _CT_RELEASE.match(text.strip())
    if not match:
        return None
    return (match.group(1).lower() if match.group(1) else None), match.group(2)


class ImplementationGuide:
    """The model metadata of one guide: its datasets (domains or ADaM structures) and variables."""

    def __init__(self, name: str, version: str, datasets: pd.DataFrame, variables: pd.DataFrame):
        self.name = name
        self.version = version
        self._datasets = datasets
        self._variables = variables

    @property
    def title(self) -> str:
        return f"{IG_PACKAGES.get(self.name, self.name)} {self.version}"

    @cached_property
    def datasets(self) -> dict[str, IgDataset]:
        return {
            r.dataset: IgDataset(r.dataset, r.label, r.observation_class, r.structure or None)
            for r in self._datasets.itertuples(index=False)
        }

    @cached_property
    def _by_dataset(self) -> dict[str, tuple[IgVariable, ...]]:
        out: dict[str, list[IgVariable]] = {}
        for r in self._variables.itertuples(index=False):
            out.setdefault(r.dataset, []).append(
                IgVariable(
                    dataset=r.dataset,
                    name=r.variable,
                    order=int(r.order),
                    label=r.label,
                    data_type=r.data_type,
                    codelists=tuple(c for c in r.codelists.split(";") if c),
                    role=r.role or None,
                    core=r.core,
                    value_list=tuple(v for v in r.value_list.split(";") if v),
                    value_domain=r.value_domain or None,
                    variable_set=r.variable_set or None,
                    notes=r.notes or None,
                )
            )
        return {k: tuple(sorted(v, key=lambda x: x.order)) for k, v in out.items()}

    def variables(self, dataset: str) -> tuple[IgVariable, ...]:
        """The variables of a domain or structure in the guide's order (empty if it defines none)."""
        return self._by_dataset.get(dataset.upper(), ())

    def variable(self, dataset: str, name: str) -> IgVariable | None:
        for v in self.variables(dataset):
            if v.name == name:
                return v
        return None

    def match(self, dataset: str, name: str) -> IgVariable | None:
        """The guide's variable a submitted variable is: by name, else by a placeholder name
        (ADaMIG: TRT01P is TRTxxP); None when the guide's dataset has no such variable."""
        exact = self.variable(dataset, name)
        if exact is not None:
            return exact
        for v in self.variables(dataset):
            if (v.name != v.name.upper() or "*" in v.name) and name_pattern(v.name).fullmatch(name):
                return v
        return None

    def model_of(self, dataset: str) -> str | None:
        """The guide's dataset that defines a submitted dataset: the domain itself, SUPPQUAL for
        SUPP--, the two-letter domain of a split dataset (QSPH: QS), None if the guide has none."""
        name = dataset.upper()
        if name in self.datasets:
            return name
        if name.startswith("SUPP") and "SUPPQUAL" in self.datasets:
            return "SUPPQUAL"
        if len(name) > 2 and name[:2] in self.datasets and self.name == "sdtmig":
            return name[:2]
        return None


# ---------------------------------------------------------------------------
# Reading the published files
# ---------------------------------------------------------------------------
def _sha256(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for p in sorted(paths):
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _open_text(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _read_ct_file(path: Path) -> pd.DataFrame:
    """A CT file as CT_COLUMNS: the CSV layout, or the NCI EVS tab-delimited layout."""
    try:
        with _open_text(path) as fh:
            head = fh.readline()
        if "\t" in head:
            with _open_text(path) as fh:
                frame = pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False, quoting=3)
            return _from_evs(path, frame)
        with _open_text(path) as fh:
            frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, pd.errors.ParserError) as exc:
        raise StandardsError(f"{path}: not readable as a controlled terminology file: {exc}") from None
    except pd.errors.EmptyDataError:
        raise StandardsError(f"{path}: empty file, not a controlled terminology package") from None
    missing = [c for c in CT_COLUMNS if c not in frame.columns]
    if missing:
        raise StandardsError(
            f"{path}: not a controlled terminology file; it lacks the column(s) {', '.join(missing)} "
            f"(and is not the NCI EVS tab-delimited layout)"
        )
    return frame[CT_COLUMNS]


def _from_evs(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """NCI EVS rows: a codelist row (Codelist Code empty, Code = the codelist) followed by its terms."""
    frame = frame.rename(columns=lambda c: str(c).strip().strip('"'))
    missing = [c for c in _EVS_COLUMNS if c not in frame.columns]
    if missing:
        raise StandardsError(f"{path}: a tab-delimited file without the NCI EVS column(s) {', '.join(missing)}")
    frame = frame[list(_EVS_COLUMNS)].rename(columns=_EVS_COLUMNS)
    frame = frame.apply(lambda s: s.str.strip().str.strip('"'))
    heads = frame[frame["codelist_code"] == ""]
    terms = frame[frame["codelist_code"] != ""].copy()
    lists = heads.set_index("term_code")
    unknown = sorted(set(terms["codelist_code"]) - set(lists.index))
    if unknown:
        raise StandardsError(
            f"{path}: term rows name codelist(s) with no codelist row: {', '.join(unknown[:5])}"
            + (" ..." if len(unknown) > 5 else "")
        )
    terms["codelist_submission_value"] = terms["codelist_code"].map(lists["submission_value"])
    terms["codelist_name"] = terms["codelist_code"].map(lists["codelist_name"])
    terms["extensible"] = terms["codelist_code"].map(lists["extensible"]).map({"Yes": "True", "No": "False"})
    if terms["extensible"].isna().any():
        raise StandardsError(f"{path}: a codelist whose 'Codelist Extensible (Yes/No)' is neither Yes nor No")
    return terms[CT_COLUMNS].reset_index(drop=True)


def _ct_identity(path: Path, name: str | None, version: str | None) -> tuple[str, str]:
    stem = path.name
    match = _CT_FILE_NAME.match(stem)
    if match:
        name = name or match.group(1).lower()
        version = version or match.group(2)
    else:
        evs = _EVS_FILE_NAME.match(stem)
        if evs:
            name = name or f"{evs.group(1).lower()}ct"
            version = version or evs.group(2)
    if name is None or version is None:
        raise StandardsError(
            f"{path}: cannot tell the package and release from the file name; give them "
            f"(--name {' | '.join(CT_PACKAGES)} and --version YYYY-MM-DD), "
            f"or name the file like sdtmct-2025-03-28.csv"
        )
    if name not in CT_PACKAGES:
        raise StandardsError(f"{path}: unknown terminology package {name!r}; known: {', '.join(CT_PACKAGES)}")
    if not re.fullmatch(_DATE, version):
        raise StandardsError(f"{path}: a terminology version is its release date YYYY-MM-DD, not {version!r}")
    return name, version


def _read_ig_folder(folder: Path) -> tuple[str, str, pd.DataFrame, pd.DataFrame, list[Path]]:
    """An IG folder in the CDISC Library export layout as (name, version, datasets, variables)."""
    variables_csv = folder / "Variables.csv"
    datasets_csv = next((folder / n for n in ("Datasets.csv", "DataStructures.csv") if (folder / n).exists()), None)
    if not variables_csv.exists() or datasets_csv is None:
        raise StandardsError(
            f"{folder}: an implementation guide folder needs Variables.csv and Datasets.csv "
            f"(SDTMIG) or DataStructures.csv (ADaMIG), in the CDISC Library export layout"
        )
    try:
        ds = pd.read_csv(datasets_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        vs = pd.read_csv(variables_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise StandardsError(f"{folder}: not readable as implementation guide metadata: {exc}") from None
    versions = set(vs.get("Version", pd.Series(dtype=str))) | set(ds.get("Version", pd.Series(dtype=str)))
    if len(versions) != 1:
        raise StandardsError(
            f"{folder}: one guide per folder; the Version column holds {sorted(versions) or 'nothing'}"
        )
    (version_text,) = versions
    match = _IG_VERSION.match(version_text.strip())
    if not match:
        raise StandardsError(f"{folder}: Version {version_text!r} is not 'SDTMIG v3.4' or 'ADaMIG v1.3'")
    name, version = match.group(1).lower(), match.group(2)

    def need(frame: pd.DataFrame, file: Path, columns: list[str]) -> None:
        lacking = [c for c in columns if c not in frame.columns]
        if lacking:
            raise StandardsError(f"{file}: lacks the column(s) {', '.join(lacking)}")

    if name == "sdtmig":
        need(ds, datasets_csv, ["Class", "Dataset Name", "Dataset Label", "Structure"])
        need(
            vs,
            variables_csv,
            ["Variable Order", "Dataset Name", "Variable Name", "Variable Label", "Type", "Role", "Core"],
        )
        datasets = pd.DataFrame(
            {
                "dataset": ds["Dataset Name"].str.upper(),
                "label": ds["Dataset Label"],
                "observation_class": ds["Class"],
                "structure": ds["Structure"],
            }
        )
        variables = pd.DataFrame(
            {
                "dataset": vs["Dataset Name"].str.upper(),
                "variable": vs["Variable Name"],
                "order": vs["Variable Order"],
                "label": vs["Variable Label"],
                "data_type": vs["Type"],
                "codelists": vs.get("CDISC CT Codelist Code(s)", ""),
                "role": vs["Role"],
                "core": vs["Core"],
                "value_list": vs.get("Value List", ""),
                "value_domain": vs.get("Described Value Domain(s)", ""),
                "variable_set": "",
                "notes": vs.get("CDISC Notes", ""),
            }
        )
    else:
        need(ds, datasets_csv, ["Data Structure Name", "Data Structure Description", "Class"])
        need(
            vs,
            variables_csv,
            ["Data Structure Name", "Variable Set", "Variable Name", "Variable Label", "Type", "Core"],
        )
        # Variables.csv names a structure by its description ("Basic Data Structure"): back to its name
        by_description = dict(zip(ds["Data Structure Description"], ds["Data Structure Name"], strict=False))
        by_description.setdefault("Subject-Level Analysis Dataset", "ADSL")
        structure = vs["Data Structure Name"].map(lambda s: by_description.get(s, s))
        datasets = pd.DataFrame(
            {
                "dataset": ds["Data Structure Name"].str.upper(),
                "label": ds["Data Structure Description"],
                "observation_class": ds["Class"],
                "structure": ds.get("Subclass", ""),
            }
        )
        variables = pd.DataFrame(
            {
                "dataset": structure.str.upper(),
                "variable": vs["Variable Name"],
                "order": (vs.groupby(structure).cumcount() + 1).astype(str),
                "label": vs["Variable Label"],
                "data_type": vs["Type"],
                "codelists": vs.get("CDISC CT Codelist Code(s)", ""),
                "role": "",
                "core": vs["Core"],
                "value_list": vs.get("Value List Value", ""),
                "value_domain": vs.get("Described Value Domain(s)", ""),
                "variable_set": vs["Variable Set"],
                "notes": vs.get("CDISC Notes", ""),
            }
        )
    for column in ("codelists", "value_list"):  # a list of codes or values: ';'-separated
        variables[column] = (
            variables[column].fillna("").map(lambda s: ";".join(p.strip() for p in s.split(";") if p.strip()))
        )
    bad = variables[~variables["order"].str.fullmatch(r"\d+")]
    if len(bad):
        row = int(bad.index[0]) + 2
        raise StandardsError(f"{variables_csv}: row {row}: Variable Order {bad['order'].iloc[0]!r} is not a number")
    return name, version, datasets.fillna(""), variables.fillna(""), [datasets_csv, variables_csv]


# ---------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------
class StandardsLibrary:
    """The installed packages under one folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self.root = Path(root) if root is not None else library_path()

    def packages(self) -> list[PackageInfo]:
        """Every installed package, by name then version."""
        out = []
        if self.root.is_dir():
            for folder in self.root.iterdir():
                info = self._manifest(folder)
                if info is not None:
                    out.append(info)
        return sorted(out, key=lambda p: (p.name, _version_key(p.version)))

    def _manifest(self, folder: Path) -> PackageInfo | None:
        path = folder / MANIFEST
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != _FORMAT:
            return None
        fields = {k: data[k] for k in ("kind", "name", "version", "source", "sha256", "rows", "codelists")}
        return PackageInfo(**fields, path=folder)

    def find(self, name: str, version: str | None = None) -> PackageInfo:
        """The package of that name and version; the newest of that name when version is None."""
        name = name.lower()
        have = [p for p in self.packages() if p.name == name]
        if version is not None:
            have = [p for p in have if p.version == version]
        if not have:
            installed = ", ".join(p.key for p in self.packages()) or "none"
            wanted = f"{name}-{version}" if version else name
            raise StandardsError(
                f"no standards package {wanted} in the library {self.root} (installed: {installed}); "
                f"install it with `cdisc-build standards add FILE`"
            )
        return have[-1]

    def newest(self, name: str) -> PackageInfo | None:
        have = [p for p in self.packages() if p.name == name.lower()]
        return have[-1] if have else None

    def _terms(self, name: str, version: str | None) -> pd.DataFrame:
        info = self.find(name, version)
        if info.kind != "ct":
            raise StandardsError(f"{info.key} is an implementation guide, not a terminology package")
        frame = pd.read_parquet(info.path / "terms.parquet")  # type: ignore[operator]
        frame["package"] = info.key
        return frame

    def terminology(self, name: str = "sdtmct", version: str | None = None) -> Terminology:
        return Terminology(self._terms(name, version))

    def terminology_for(
        self, standard: str | None, releases: Iterable[str] = (), cited: dict[str, str] | None = None
    ) -> Terminology:
        """The CT packages a standard's variables draw on (CT_DRAWN_ON), in one Terminology.

        releases: '2025-03-28' (a release of the standard's own CT package) or 'sdtmct-2025-03-28';
        a package not named there is the release `cited` names when it is installed, else the
        newest installed. Without a standard: the named releases only."""
        drawn_on = CT_DRAWN_ON.get(standard, ()) if standard else ()
        chosen: dict[str, str | None] = {}
        for text in releases:
            parsed = parse_ct_release(text)
            if parsed is None or (parsed[0] is None and not drawn_on):
                raise StandardsError(
                    f"--ct {text!r} is not a terminology release: give YYYY-MM-DD (with a standard) or a "
                    f"package and release such as sdtmct-2025-03-28"
                )
            chosen[parsed[0] or drawn_on[0]] = parsed[1]
        if not chosen and not drawn_on:
            raise StandardsError("no terminology package named")
        for name in drawn_on:
            if name not in chosen:
                version = (cited or {}).get(name)
                installed = version is not None and any(
                    p.name == name and p.version == version for p in self.packages()
                )
                chosen[name] = version if installed else None
        return Terminology(pd.concat([self._terms(n, v) for n, v in chosen.items()], ignore_index=True))

    def guide_named(self, text: str) -> ImplementationGuide:
        """The guide of 'sdtmig-3.4' (or 'sdtmig': the newest installed)."""
        return self.guide(*parse_standard(text))

    def guide(self, name: str = "sdtmig", version: str | None = None) -> ImplementationGuide:
        info = self.find(name, version)
        if info.kind != "ig":
            raise StandardsError(f"{info.key} is a terminology package, not an implementation guide")
        assert info.path is not None
        return ImplementationGuide(
            info.name,
            info.version,
            pd.read_parquet(info.path / "datasets.parquet"),
            pd.read_parquet(info.path / "variables.parquet"),
        )

    # -- installing ---------------------------------------------------------
    def add(
        self, source: str | os.PathLike[str], name: str | None = None, version: str | None = None, force: bool = False
    ) -> PackageInfo:
        """Install a CT file or an IG folder; returns what was installed.

        A package already installed under the same name and version is kept unless force
        is given, and is replaced only when the library wrote it (its package.json)."""
        path = Path(source)
        if not path.exists():
            raise StandardsError(f"{path}: no such file or folder")
        tables: dict[str, pd.DataFrame]
        if path.is_dir():
            ig_name, ig_version, datasets, variables, files = _read_ig_folder(path)
            if name and name.lower() != ig_name:
                raise StandardsError(f"{path}: the files are {ig_name} {ig_version}, not {name}")
            if version and version != ig_version:
                raise StandardsError(f"{path}: the files are {ig_name} {ig_version}, not version {version}")
            info = PackageInfo("ig", ig_name, ig_version, path.name, _sha256(files), len(variables), len(datasets))
            tables = {"datasets": datasets, "variables": variables}
        else:
            ct_name, ct_version = _ct_identity(path, name.lower() if name else None, version)
            terms = _read_ct_file(path)
            if terms.empty:
                raise StandardsError(f"{path}: no terms")
            blank = terms[(terms["codelist_code"] == "") | (terms["term_code"] == "")]
            if len(blank):
                raise StandardsError(
                    f"{path}: {len(blank)} term row(s) without a codelist or term NCI code "
                    f"(the first: {blank['submission_value'].iloc[0]!r})"
                )
            terms = terms.sort_values(["codelist_code", "term_code"], kind="stable").reset_index(drop=True)
            info = PackageInfo(
                "ct", ct_name, ct_version, path.name, _sha256([path]), len(terms), terms["codelist_code"].nunique()
            )
            tables = {"terms": terms}
        return self._install(info, tables, force)

    def _install(self, info: PackageInfo, tables: dict[str, pd.DataFrame], force: bool) -> PackageInfo:
        target = self.root / info.key
        if target.exists():
            existing = self._manifest(target)
            if existing is None:
                raise StandardsError(
                    f"{target} exists and was not written by the standards library; it is left as it is"
                )
            if not force:
                same = " (the same file)" if existing.sha256 == info.sha256 else f" (from {existing.source})"
                raise StandardsError(f"{info.key} is already installed in {self.root}{same}; --force replaces it")
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{info.key}.", dir=self.root))
        try:
            for table, frame in tables.items():
                frame.to_parquet(staging / f"{table}.parquet", index=False)
            manifest = {
                "format": _FORMAT,
                "kind": info.kind,
                "name": info.name,
                "version": info.version,
                "source": info.source,
                "sha256": info.sha256,
                "rows": info.rows,
                "codelists": info.codelists,
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
            if target.exists():  # a package of ours (checked above), replaced as a whole
                retired = Path(tempfile.mkdtemp(prefix=f".{info.key}.old.", dir=self.root))
                os.replace(target, retired / info.key)
                os.replace(staging, target)
                shutil.rmtree(retired)
            else:
                os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        return PackageInfo(**{**info.__dict__, "path": target})


def ct_package_of(publishing_set: str) -> str | None:
    """The package name of a Define-XML PublishingSet (SDTM -> sdtmct)."""
    wanted = publishing_set.strip().upper()
    for name, pset in CT_PACKAGES.items():
        if pset.upper() == wanted:
            return name
    return None


__all__ = [
    "CT_DRAWN_ON",
    "CT_OF_STANDARD",
    "CT_STUDY_ATTRIBUTE",
    "CT_PACKAGES",
    "IG_PACKAGES",
    "LIBRARY_ENV",
    "IgDataset",
    "IgVariable",
    "ImplementationGuide",
    "PackageInfo",
    "StandardsError",
    "StandardsLibrary",
    "TerminologyError",
    "ct_package_of",
    "first_instance",
    "label_pattern",
    "library_path",
    "name_pattern",
    "parse_ct_release",
    "parse_standard",
]
