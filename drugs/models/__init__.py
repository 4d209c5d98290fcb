from drugs.models.catalog import Agency, Condition, Drug, EntryKind, MonographStatus, RegulatoryApproval
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
from drugs.models.statements import (
    FactorSupport,
    RelapseFactor,
    Statement,
    StatementKind,
    StatementTopic,
)

__all__ = [
    "AcknowledgmentTally",
    "Agency",
    "AnalysisMethod",
    "Condition",
    "Disclaimer",
    "Drug",
    "EntryKind",
    "EvidenceGrade",
    "FactorSupport",
    "Measure",
    "MonographEvent",
    "MonographStatus",
    "ProfessionalRole",
    "RegulatoryApproval",
    "RelapseFactor",
    "RelapseFinding",
    "RelapseProfile",
    "RelapseRisk",
    "Scenario",
    "Source",
    "SourceKind",
    "Statement",
    "StatementKind",
    "StatementTopic",
    "TimeUnit",
]
