"""Forms for the inventory pages. Choices start from what the user may see."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from mines.choices import DamageType
from mines.models import Company, GovernanceZone, HistoricalSite, KeyProject, Mine, PlanningArea


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose foreign-key choices come from `visible_to(user)`."""

    scoped_fields: dict[str, type] = {}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, model in self.scoped_fields.items():
            if name in self.fields:
                self.fields[name].queryset = model.objects.visible_to(user)
        if "county" in self.fields and not user.sees_all_counties:
            self.fields["county"].queryset = user.counties.all()


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "credit_code",
            "legal_representative",
            "contact_person",
            "contact_phone",
            "contact_email",
            "address",
        ]

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class MineForm(ScopedModelForm):
    scoped_fields = {"company": Company, "planning_area": PlanningArea}

    class Meta:
        model = Mine
        fields = [
            "licence_no",
            "name",
            "company",
            "county",
            "mineral",
            "mining_method",
            "licensing_level",
            "scale",
            "design_capacity",
            "production_status",
            "licence_valid_from",
            "licence_valid_to",
            "longitude",
            "latitude",
            "area_km2",
            "planning_area",
            "land_reclamation_plan_filed",
        ]
        widgets = {
            "licence_valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "licence_valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class BoundaryField(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(_("The boundary is not valid JSON."), code="invalid") from None


class HistoricalSiteForm(ScopedModelForm):
    scoped_fields = {"key_project": KeyProject, "zone": GovernanceZone}

    damage_types = forms.MultipleChoiceField(
        label=_("damage types"),
        choices=DamageType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    boundary = BoundaryField(label=_("boundary (GeoJSON)"), required=False)

    class Meta:
        model = HistoricalSite
        fields = [
            "code",
            "name",
            "county",
            "former_mineral",
            "longitude",
            "latitude",
            "boundary",
            "damaged_area_ha",
            "damage_types",
            "treatment_mode",
            "key_project",
            "zone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.initial.get("boundary"), dict):
            self.initial["boundary"] = json.dumps(self.initial["boundary"], ensure_ascii=False)
