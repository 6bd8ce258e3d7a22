from restoration.models.cases import Case, CaseEvent, Delegation, Inspection, RectificationOrder
from restoration.models.evidence import Evidence
from restoration.models.funds import FundAccount, FundEntry, Receivable

__all__ = [
    "Case",
    "CaseEvent",
    "Delegation",
    "Evidence",
    "FundAccount",
    "FundEntry",
    "Inspection",
    "Receivable",
    "RectificationOrder",
]
