from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.choices import FundingSource
from restoration.choices import EvidenceKind, FundEntryKind
from restoration.forms import DATE
from restoration.models import DisturbanceCategory

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FundRecordForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            (FundEntryKind.ACCRUAL, FundEntryKind.ACCRUAL.label),
            (FundEntryKind.DEPOSIT, FundEntryKind.DEPOSIT.label),
        ],
    )
    amount = forms.DecimalField(label=_("amount (yuan)"), **MONEY)
    memo = forms.CharField(label=_("memo"), max_length=255, required=False)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("amount (yuan)"), **MONEY)
    memo = forms.CharField(label=_("reason"), max_length=255)


class WithdrawalForm(forms.Form):
    amount = forms.DecimalField(label=_("amount (yuan)"), **MONEY)
    purpose = forms.CharField(label=_("purpose"), max_length=255)
    evidence_kind = forms.ChoiceField(
        label=_("evidence"),
        choices=[
            (EvidenceKind.INVOICE, EvidenceKind.INVOICE.label),
            (EvidenceKind.ACCEPTANCE_CERTIFICATE, EvidenceKind.ACCEPTANCE_CERTIFICATE.label),
        ],
    )
    files = forms.FileField(label=_("files"), widget=MultipleFileInput, required=False)


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=255)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"), choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("reason"), max_length=2000, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("amount (yuan)"), **MONEY)
    paid_on = forms.DateField(label=_("paid on"), widget=DATE, initial=timezone.localdate)
    memo = forms.CharField(label=_("memo"), max_length=255, required=False)


class DisbursementForm(forms.Form):
    source = forms.ChoiceField(label=_("funding source"), choices=FundingSource.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), **MONEY)
    paid_on = forms.DateField(label=_("paid on"), widget=DATE, initial=timezone.localdate)
    memo = forms.CharField(label=_("memo"), max_length=255, required=False)
    files = forms.FileField(label=_("payment voucher or invoice"), widget=MultipleFileInput, required=False)


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("milestone"), max_length=200)
    due_on = forms.DateField(label=_("due on"), widget=DATE)
    weight = forms.IntegerField(label=_("share of the work (%)"), min_value=0, max_value=100, initial=0)


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("report year"), min_value=2000, max_value=2100)
    due_date = forms.DateField(label=_("due date"), widget=DATE)


class LodgeReportForm(forms.Form):
    """One pair of fields per disturbance category: land disturbed and restored this year."""

    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category, label in DisturbanceCategory.choices:
            for part, part_label in (("disturbed", _("disturbed (ha)")), ("restored", _("restored (ha)"))):
                self.fields[f"{category}_{part}"] = forms.DecimalField(
                    label=f"{label} · {part_label}", min_value=0, max_digits=10, decimal_places=2, required=False
                )

    def lines(self) -> dict:
        data = self.cleaned_data
        return {
            category: (data.get(f"{category}_disturbed") or 0, data.get(f"{category}_restored") or 0)
            for category in DisturbanceCategory.values
        }
