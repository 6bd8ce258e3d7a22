"""Forms for the case pages. They only parse input; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mines.models import Contractor
from restoration.choices import CaseKind, EvidenceKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of case"), choices=CaseKind.choices)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    deadline = forms.DateField(
        label=_("due date"),
        required=False,
        widget=DATE,
        help_text=_("For an annual inspection or a green-mine verification: the date it is due."),
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, CaseKind(k).label) for k in kinds]


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("inspection date"), widget=DATE, initial=timezone.localdate)
    inspectors = forms.CharField(label=_("inspectors"), max_length=255)
    departments = forms.CharField(label=_("departments consulted"), max_length=255, required=False)
    findings = forms.CharField(label=_("findings"), widget=forms.Textarea(attrs={"rows": 3}))
    area_restored_ha = forms.DecimalField(
        label=_("area found restored (ha)"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    passed = forms.TypedChoiceField(
        label=_("result"),
        choices=[("1", _("Pass")), ("0", _("Fail"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    order_requirements = forms.CharField(
        label=_("rectification requirements"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("If it fails: what must be done."),
    )
    order_deadline = forms.DateField(
        label=_("rectification deadline"), widget=DATE, required=False, help_text=_("If it fails: by when.")
    )


class DelegationForm(forms.Form):
    contractor = forms.ModelChoiceField(label=_("qualified contractor"), queryset=Contractor.objects.none())
    cost_estimate = forms.DecimalField(label=_("cost estimate (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    scope = forms.CharField(label=_("scope of works"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = Contractor.objects.visible_to(user)


class CostForm(forms.Form):
    actual_cost = forms.DecimalField(label=_("actual cost (yuan)"), min_value=0, max_digits=14, decimal_places=2)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of evidence"), choices=EvidenceKind.choices)
    description = forms.CharField(label=_("description"), max_length=255, required=False)


class ReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("review"),
        choices=[("1", pgettext_lazy("evidence review", "Accept")), ("0", pgettext_lazy("evidence review", "Reject"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("reason"), max_length=2000, required=False)


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("officer in charge"), queryset=None)

    def __init__(self, *args, case, **kwargs):
        from django.db.models import Q

        from accounts.models import Role, User

        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = (
            User.objects.filter(is_active=True, role__in=[Role.OFFICER, Role.SUPERVISOR])
            .filter(Q(city_wide=True) | Q(counties=case.county_id))
            .distinct()
            .order_by("last_name", "first_name")
        )
