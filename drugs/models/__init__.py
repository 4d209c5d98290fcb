from drugs.models.catalog import Agency, Condition, Drug, MonographStatus, RegulatoryApproval
from drugs.models.disclaimer import AcknowledgmentTally, Disclaimer, ProfessionalRole
from drugs.models.evidence import (
    AnalysisMethod,
    EvidenceGrade,
    Measure,
    RelapseFinding,
    RelapseProfile,
    RelapseRisk,
    Scenario,
    Source,
    SourceKind,
    TimeUnit,
)
from drugs.models.review import MonographEvent

__all__ = [
    "AcknowledgmentTally",
    "Agency",
    "AnalysisMethod",
    "Condition",
    "Disclaimer",
    "Drug",
    "EvidenceGrade",
    "Measure",
    "MonographEvent",
    "MonographStatus",
    "ProfessionalRole",
    "RegulatoryApproval",
    "RelapseFinding",
    "RelapseProfile",
    "RelapseRisk",
    "Scenario",
    "Source",
    "SourceKind",
    "TimeUnit",
]
