from restoration.models.cases import Case, CaseEvent, Delegation, Inspection, RectificationOrder
from restoration.models.evidence import Evidence
from restoration.models.funds import (
    FundAccount,
    FundEntry,
    FundPolicy,
    FundWithdrawal,
    Receivable,
    ReceivablePayment,
)
from restoration.models.projects import ProjectDisbursement, ProjectMilestone
from restoration.models.reports import (
    AnnualReport,
    AnnualReportLine,
    DisturbanceCategory,
    ReportingPeriod,
    ReportStatus,
    UnitRate,
)

__all__ = [
    "AnnualReport",
    "AnnualReportLine",
    "Case",
    "CaseEvent",
    "Delegation",
    "DisturbanceCategory",
    "Evidence",
    "FundAccount",
    "FundEntry",
    "FundPolicy",
    "FundWithdrawal",
    "Inspection",
    "ProjectDisbursement",
    "ProjectMilestone",
    "Receivable",
    "ReceivablePayment",
    "RectificationOrder",
    "ReportStatus",
    "ReportingPeriod",
    "UnitRate",
]
