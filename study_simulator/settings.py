"""Every setting of the simulated study, in one frozen dataclass.

Nothing else in the simulator holds a number that describes the study: sites,
dates, schedule, doses, the distributions of the disease course, the adverse
event profile, the rates of missing data and the CRF codelists are all here.

What the study's settings file (study.toml) states is not repeated here:
``SimulationSettings.from_study`` takes the study identifier and the data
cut-off from [study] and the RECIST thresholds (the assessment schedule, the SD
minimum, the confirmation interval) from [recist]; the defaults below are those
of specs.config.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from specs.config import RecistSettings

if TYPE_CHECKING:
    from specs.study import StudyConfig


@dataclass(frozen=True)
class AeTerm:
    """One adverse event of the profile.

    ``incidence`` is the share of treated subjects who get it during the first
    ``SimulationSettings.ae_window_days`` of treatment (scaled down for shorter
    treatment); ``grades`` the probabilities of CTCAE grades 1 to 4.
    ``anlotinib`` / ``toripalimab``: probability the investigator relates it to
    the drug. ``target``: which drug the dose actions fall on when it is
    severe ("anlotinib", "toripalimab" or "" for none).
    """

    term: str
    chinese: str
    incidence: float
    grades: tuple[float, float, float, float]
    anlotinib: float
    toripalimab: float
    target: str
    conmed: str = ""  # a concomitant medication started for it (grade >= 2)


DEFAULT_AE_PROFILE: tuple[AeTerm, ...] = (
    AeTerm("Hypertension", "高血压", 0.55, (0.40, 0.50, 0.09, 0.01), 0.95, 0.10, "anlotinib", "Amlodipine"),
    AeTerm(
        "Hand-foot skin reaction", "手足皮肤反应", 0.40, (0.55, 0.37, 0.08, 0.0), 0.95, 0.05, "anlotinib", "Urea cream"
    ),
    AeTerm("Proteinuria", "蛋白尿", 0.30, (0.65, 0.30, 0.05, 0.0), 0.90, 0.10, "anlotinib"),
    AeTerm("Diarrhoea", "腹泻", 0.30, (0.70, 0.25, 0.05, 0.0), 0.80, 0.30, "anlotinib", "Loperamide"),
    AeTerm("Fatigue", "乏力", 0.35, (0.65, 0.30, 0.05, 0.0), 0.70, 0.50, "anlotinib"),
    AeTerm(
        "Alanine aminotransferase increased",
        "谷丙转氨酶升高",
        0.25,
        (0.75, 0.17, 0.07, 0.01),
        0.60,
        0.60,
        "toripalimab",
    ),
    AeTerm(
        "Aspartate aminotransferase increased",
        "谷草转氨酶升高",
        0.22,
        (0.78, 0.16, 0.05, 0.01),
        0.60,
        0.60,
        "toripalimab",
    ),
    AeTerm(
        "Hypothyroidism", "甲状腺功能减退", 0.25, (0.45, 0.53, 0.02, 0.0), 0.30, 0.95, "toripalimab", "Levothyroxine"
    ),
    AeTerm(
        "Hypertriglyceridaemia",
        "高甘油三酯血症",
        0.30,
        (0.70, 0.18, 0.10, 0.02),
        0.90,
        0.10,
        "anlotinib",
        "Fenofibrate",
    ),
    AeTerm("Hypercholesterolaemia", "高胆固醇血症", 0.20, (0.85, 0.13, 0.02, 0.0), 0.85, 0.10, "anlotinib"),
    AeTerm("Decreased appetite", "食欲下降", 0.25, (0.75, 0.22, 0.03, 0.0), 0.60, 0.30, ""),
    AeTerm("Oral mucositis", "口腔黏膜炎", 0.15, (0.70, 0.25, 0.05, 0.0), 0.90, 0.05, "anlotinib"),
    AeTerm("Pneumothorax", "气胸", 0.06, (0.30, 0.30, 0.35, 0.05), 0.70, 0.05, "anlotinib"),
    AeTerm("Haemoptysis", "咯血", 0.06, (0.60, 0.30, 0.08, 0.02), 0.80, 0.05, "anlotinib"),
    AeTerm("Rash", "皮疹", 0.12, (0.70, 0.25, 0.05, 0.0), 0.20, 0.90, "toripalimab"),
    AeTerm("Pneumonitis", "免疫相关性肺炎", 0.05, (0.30, 0.40, 0.25, 0.05), 0.10, 0.95, "toripalimab", "Prednisone"),
    AeTerm("Colitis", "结肠炎", 0.03, (0.30, 0.40, 0.25, 0.05), 0.20, 0.90, "toripalimab", "Prednisone"),
    AeTerm(
        "Immune-mediated hepatitis",
        "免疫相关性肝炎",
        0.03,
        (0.30, 0.35, 0.30, 0.05),
        0.10,
        0.95,
        "toripalimab",
        "Prednisone",
    ),
    AeTerm("Anaemia", "贫血", 0.15, (0.60, 0.30, 0.10, 0.0), 0.30, 0.20, ""),
)


@dataclass(frozen=True)
class SimulationSettings:
    """The simulated anlotinib + toripalimab soft-tissue sarcoma study."""

    # --- identity and calendar --------------------------------------------
    study_id: str = "SYSU-ANTOR-STS"  # [study] id
    icf_version: str = "2.0"  # informed consent form version
    study_start: str = "2019-12-02"  # first site activated
    site_numbers: tuple[str, ...] = ("101", "102", "103", "104", "105", "106", "107", "108", "109", "110")
    site_weights: tuple[float, ...] = (0.20, 0.15, 0.12, 0.10, 0.10, 0.08, 0.08, 0.07, 0.05, 0.05)
    site_activation_max_days: int = 240  # sites open over the first 8 months
    accrual_days: int = 900  # last screening this many days after study start
    data_cutoff: str = "2023-06-30"  # [study] data_cutoff

    # --- screening ---------------------------------------------------------
    screen_failure_rate: float = 0.15
    screen_failure_consent_withdrawn: float = 0.15  # share of failures who withdraw consent
    screening_to_dose_days: tuple[int, int] = (7, 28)  # consent to first dose
    baseline_scan_before_dose_days: tuple[int, int] = (1, 21)
    age_range: tuple[int, int] = (18, 70)
    age_mean: float = 46.0
    age_sd: float = 13.0
    male_share: float = 0.55
    race_probs: tuple[float, ...] = (0.98, 0.012, 0.008, 0.0)  # RACE below; "Other" allowed on the CRF, not drawn
    ecog_probs: tuple[float, float, float] = (0.35, 0.55, 0.10)

    # --- treatment ---------------------------------------------------------
    cycle_days: int = 21
    anlotinib_days_on: int = 14
    anlotinib_dose_levels_mg: tuple[float, ...] = (12.0, 10.0, 8.0)
    toripalimab_dose_mg: float = 240.0
    max_treatment_days: int = 730  # up to 24 months
    study_follow_up_days: int = 730  # end of study 24 months after first dose
    survival_contact_days: int = 84  # survival follow-up contacts every 12 weeks
    eot_after_pd_days: tuple[int, int] = (1, 10)

    # --- tumour assessments -----------------------------------------------
    assessment_interval_days: int = RecistSettings.assessment_interval_days  # [recist]
    assessment_window_days: int = RecistSettings.window_days  # [recist] window_days
    missed_scan_rate: float = 0.05
    unscheduled_scan_rate: float = 0.03  # per interval
    target_ne_rate: float = 0.02  # a post-baseline scan with one target not evaluable
    nontarget_ne_rate: float = 0.01
    equivocal_new_lesion_rate: float = 0.01  # per scan, resolves at the next scan
    mri_share: float = 0.25
    n_target_probs: tuple[float, ...] = (0.25, 0.30, 0.25, 0.12, 0.08)  # 1..5 targets
    n_nontarget_probs: tuple[float, ...] = (0.25, 0.35, 0.25, 0.15)  # 0..3 non-targets
    nodal_target_share: float = 0.15
    nodal_nontarget_share: float = 0.25
    lesion_ld_median_mm: float = 32.0
    lesion_ld_sigma: float = 0.45
    node_sa_range_mm: tuple[float, float] = (15.0, 35.0)
    node_normal_floor_mm: tuple[int, int] = (5, 9)  # short axis of a node after full response
    measurement_noise_sd: float = 0.05  # log-scale, per lesion per scan

    # --- disease course (days from first dose) -----------------------------
    # subject classes: responder, stable, early progressor
    class_probs: tuple[float, float, float] = (0.25, 0.50, 0.25)
    complete_response_share: float = 0.08  # of responders, tumours vanish
    responder_depth: tuple[float, float] = (-0.80, -0.38)
    stable_depth: tuple[float, float] = (-0.25, 0.10)
    progressor_depth: tuple[float, float] = (0.00, 0.12)
    time_to_nadir_days: tuple[int, int] = (40, 160)
    responder_progression_median_days: float = 330.0
    stable_progression_median_days: float = 185.0
    progression_sigma: float = 0.6  # lognormal
    early_progression_days: tuple[int, int] = (10, 40)
    progression_mode_probs: tuple[float, float, float] = (0.60, 0.30, 0.10)  # target, new lesion, non-target
    post_progression_median_days: float = 270.0
    post_progression_sigma: float = 0.8
    death_without_progression_rate: float = 0.00012  # per day
    withdrawal_rate: float = 0.00008  # per day
    lost_to_follow_up_rate: float = 0.00008  # per day
    investigator_disagreement_rate: float = 0.0  # per post-baseline assessment

    # --- adverse events and dose modification ------------------------------
    ae_profile: tuple[AeTerm, ...] = DEFAULT_AE_PROFILE
    ae_window_days: int = 180
    ae_onset_mean_days: float = 40.0
    ae_duration_mean_days: float = 25.0
    serious_if_grade3_plus: float = 0.45
    serious_if_grade2: float = 0.03
    # probabilities of [interrupted, reduced, withdrawn] for a drug-limiting event
    severe_action_probs: tuple[float, float, float] = (0.40, 0.45, 0.15)  # grade >= 3
    moderate_action_probs: tuple[float, float, float] = (0.12, 0.08, 0.0)  # grade 2
    immune_hold_probs: tuple[float, float] = (0.55, 0.25)  # toripalimab held / withdrawn, grade >= 2
    infusion_reaction_rate: float = 0.01  # per infusion
    fatal_ae_share_of_early_deaths: float = 0.4
    fatal_ae_terms: tuple[str, ...] = ("Haemorrhage", "Pneumonitis", "Sepsis")

    # --- other data --------------------------------------------------------
    subsequent_therapy_after_pd: float = 0.55
    subsequent_therapy_after_ae_stop: float = 0.30
    conmed_mean: float = 2.0
    medical_history_mean: float = 1.5

    # --- export ------------------------------------------------------------
    messy_rate: float = 0.0
    messy_units: bool = False  # with messy_rate: some target diameters written in cm (kind unit_cm)
    recist: RecistSettings = field(default_factory=RecistSettings)  # [recist]

    def with_options(self, **changes) -> SimulationSettings:
        """A copy with some settings changed."""
        return replace(self, **changes)

    @classmethod
    def from_study(cls, config: StudyConfig) -> SimulationSettings:
        """The simulation of the study ``config`` describes: its identifier, its data cut-off
        (the default when the study has none) and its RECIST parameters."""
        recist = config.adam.recist
        return cls(
            study_id=config.study.id or cls.study_id,
            data_cutoff=config.study.data_cutoff or cls.data_cutoff,
            assessment_interval_days=recist.assessment_interval_days,
            assessment_window_days=recist.window_days,
            recist=recist,
        )


# --- CRF codelists (as the CRF shows them) ---------------------------------
YES_NO = ("Yes", "No")
SEX = ("Male", "Female")
RACE = ("Asian", "White", "Black or African American", "Other")
# MedDRA system organ class codes of the SOCs above.
SOC_CODES = {
    "Vascular disorders": "10047065",
    "Skin and subcutaneous tissue disorders": "10040785",
    "Renal and urinary disorders": "10038359",
    "Gastrointestinal disorders": "10017947",
    "General disorders and administration site conditions": "10018065",
    "Investigations": "10022891",
    "Endocrine disorders": "10014698",
    "Metabolism and nutrition disorders": "10027433",
    "Respiratory, thoracic and mediastinal disorders": "10038738",
    "Hepatobiliary disorders": "10019805",
    "Blood and lymphatic system disorders": "10005329",
    "Infections and infestations": "10021881",
    "Injury, poisoning and procedural complications": "10022117",
}
# The EDC's MedDRA coding of each verbatim term (preferred term, system organ class).
AE_CODING = {
    "Hypertension": ("Hypertension", "Vascular disorders"),
    "Hand-foot skin reaction": (
        "Palmar-plantar erythrodysaesthesia syndrome",
        "Skin and subcutaneous tissue disorders",
    ),
    "Proteinuria": ("Proteinuria", "Renal and urinary disorders"),
    "Diarrhoea": ("Diarrhoea", "Gastrointestinal disorders"),
    "Fatigue": ("Fatigue", "General disorders and administration site conditions"),
    "Alanine aminotransferase increased": ("Alanine aminotransferase increased", "Investigations"),
    "Aspartate aminotransferase increased": ("Aspartate aminotransferase increased", "Investigations"),
    "Hypothyroidism": ("Hypothyroidism", "Endocrine disorders"),
    "Hypertriglyceridaemia": ("Hypertriglyceridaemia", "Metabolism and nutrition disorders"),
    "Hypercholesterolaemia": ("Hypercholesterolaemia", "Metabolism and nutrition disorders"),
    "Decreased appetite": ("Decreased appetite", "Metabolism and nutrition disorders"),
    "Oral mucositis": ("Stomatitis", "Gastrointestinal disorders"),
    "Pneumothorax": ("Pneumothorax", "Respiratory, thoracic and mediastinal disorders"),
    "Haemoptysis": ("Haemoptysis", "Respiratory, thoracic and mediastinal disorders"),
    "Rash": ("Rash", "Skin and subcutaneous tissue disorders"),
    "Pneumonitis": ("Pneumonitis", "Respiratory, thoracic and mediastinal disorders"),
    "Colitis": ("Colitis", "Gastrointestinal disorders"),
    "Immune-mediated hepatitis": ("Immune-mediated hepatitis", "Hepatobiliary disorders"),
    "Anaemia": ("Anaemia", "Blood and lymphatic system disorders"),
    "Haemorrhage": ("Haemorrhage", "Vascular disorders"),
    "Sepsis": ("Sepsis", "Infections and infestations"),
    "Infusion related reaction": ("Infusion related reaction", "Injury, poisoning and procedural complications"),
}
ETHNIC = ("Han", "Other ethnic group")  # as collected on Chinese CRFs
ECOG = (
    "0 - Fully active",
    "1 - Restricted in strenuous activity",
    "2 - Ambulatory, capable of self-care",
    "3 - Capable of limited self-care",
    "4 - Completely disabled",
)
HISTOLOGY = (
    "Synovial sarcoma",
    "Leiomyosarcoma",
    "Alveolar soft part sarcoma",
    "Undifferentiated pleomorphic sarcoma",
    "Liposarcoma",
    "Fibrosarcoma",
    "Clear cell sarcoma",
    "Angiosarcoma",
    "Epithelioid sarcoma",
    "Malignant peripheral nerve sheath tumour",
    "Other",
)
HISTOLOGY_PROBS = (0.18, 0.18, 0.08, 0.14, 0.14, 0.05, 0.03, 0.05, 0.03, 0.04, 0.08)
HISTOLOGY_OTHER = ("Desmoplastic small round cell tumour", "Rhabdomyosarcoma (adult)", "Extraskeletal Ewing sarcoma")
PRIMARY_SITE = ("Extremity", "Trunk", "Retroperitoneum", "Head and neck", "Visceral", "Other")
PRIMARY_SITE_PROBS = (0.45, 0.20, 0.15, 0.07, 0.10, 0.03)
FNCLCC_GRADE = ("Grade 1", "Grade 2", "Grade 3", "Unknown")
DISEASE_STAGE = ("Locally advanced", "Metastatic")
LESION_LOCATION = ("Lung", "Liver", "Soft tissue", "Retroperitoneum", "Peritoneum", "Pleura", "Bone", "Lymph node")
LESION_LOCATION_PROBS = (0.45, 0.12, 0.18, 0.08, 0.07, 0.05, 0.05)  # non-nodal; "Lymph node" for nodes
METHOD = ("CT", "MRI")
LESION_CATEGORY = ("Target", "Non-target", "New")
MEASUREMENT_TYPE = ("Longest diameter", "Short axis")
LESION_STATE = ("Present", "Absent", "Unequivocal progression", "Not evaluable")
NEW_LESION_STATE = ("Present", "Equivocal")
TARGET_RESPONSE = ("CR", "PR", "SD", "PD", "NE", "Not applicable")
NONTARGET_RESPONSE = ("CR", "Non-CR/Non-PD", "PD", "NE", "Not applicable")
NEW_LESION = ("Yes", "No", "Equivocal")
OVERALL_RESPONSE = ("CR", "PR", "SD", "Non-CR/Non-PD", "PD", "NE")
CTCAE_GRADE = ("1", "2", "3", "4", "5")
RELATEDNESS = ("Related", "Not related")
ACTION_ANLOTINIB = ("Dose not changed", "Dose reduced", "Drug interrupted", "Drug withdrawn", "Not applicable")
ACTION_TORIPALIMAB = ("Dose not changed", "Drug interrupted", "Drug withdrawn", "Not applicable")
AE_OUTCOME = (
    "Recovered/Resolved",
    "Recovering/Resolving",
    "Not recovered/Not resolved",
    "Recovered/Resolved with sequelae",
    "Fatal",
    "Unknown",
)
DOSE_CHANGE_REASON = ("Adverse event",)
INTERRUPTION_REASON = ("Adverse event",)
NOT_GIVEN_REASON = ("Adverse event",)
EOT_REASON = (
    "Progressive disease",
    "Adverse event",
    "Death",
    "Withdrawal by subject",
    "Lost to follow-up",
    "Completed treatment",
)
EOS_REASON = ("Completed", "Screen failure", "Death", "Withdrawal by subject", "Lost to follow-up")
SCREEN_FAILURE_REASON = ("Eligibility criteria not met", "Withdrawal by subject")
DEATH_CAUSE = ("Disease progression", "Adverse event", "Other", "Unknown")
CONTACT_METHOD = ("Telephone", "Clinic visit")
SURVIVAL_STATUS = ("Alive", "Dead")
PRIOR_CATEGORY = ("Systemic therapy", "Surgery", "Radiotherapy")
PRIOR_RESPONSE = ("CR", "PR", "SD", "PD", "Unknown")
PRIOR_STOP_REASON = ("Progression", "Toxicity", "Completed", "Other")
ROUTE = ("Oral", "Intravenous", "Topical", "Subcutaneous")
ELIGIBILITY_CRITERIA = (
    ("Inclusion", "IN03", "ECOG performance status 0 to 2"),
    ("Inclusion", "IN04", "At least one measurable lesion per RECIST 1.1"),
    ("Inclusion", "IN06", "Adequate bone marrow, liver and kidney function"),
    ("Exclusion", "EX02", "Prior anti-PD-1, anti-PD-L1 or anti-CTLA-4 therapy"),
    ("Exclusion", "EX05", "Uncontrolled hypertension"),
    ("Exclusion", "EX08", "Active autoimmune disease requiring systemic treatment"),
)
PRIOR_SYSTEMIC = (
    "Doxorubicin",
    "Doxorubicin + ifosfamide",
    "Epirubicin + ifosfamide",
    "Gemcitabine + docetaxel",
    "Ifosfamide",
    "Pazopanib",
)
PRIOR_SURGERY = ("Wide local excision", "Amputation", "Metastasectomy")
PRIOR_RADIOTHERAPY = ("Adjuvant radiotherapy", "Palliative radiotherapy")
MEDICAL_HISTORY = (
    ("Hypertension", "高血压病"),
    ("Type 2 diabetes mellitus", "2型糖尿病"),
    ("Chronic hepatitis B", "慢性乙型肝炎"),
    ("Chronic gastritis", "慢性胃炎"),
    ("Hyperlipidaemia", "高脂血症"),
    ("Cholecystolithiasis", "胆囊结石"),
    ("Cancer pain", "癌痛"),
    ("Insomnia", "失眠"),
)
GENERAL_CONMEDS = (
    ("Paracetamol", "Pain", "Oral"),
    ("Omeprazole", "Gastric protection", "Oral"),
    ("Ondansetron", "Nausea", "Oral"),
    ("Tramadol", "Cancer pain", "Oral"),
    ("Metformin", "Type 2 diabetes mellitus", "Oral"),
    ("Entecavir", "Chronic hepatitis B", "Oral"),
    ("Zolpidem", "Insomnia", "Oral"),
    ("Compound glycyrrhizin", "Liver protection", "Intravenous"),
)
CONMED_ROUTE_FOR = {
    "Amlodipine": "Oral",
    "Urea cream": "Topical",
    "Loperamide": "Oral",
    "Levothyroxine": "Oral",
    "Fenofibrate": "Oral",
    "Prednisone": "Oral",
}
SUBSEQUENT_THERAPY = (
    "Gemcitabine + docetaxel",
    "Eribulin",
    "Trabectedin",
    "Pazopanib",
    "Ifosfamide",
    "Apatinib",
)
