from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

LIFETIME_DAYS = (7, 30, 90, 180, 365)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("name"), max_length=100, help_text=_("What the token is for, e.g. the system using it.")
    )
    valid_for = forms.TypedChoiceField(
        label=_("valid for"),
        choices=[
            (days, ngettext_lazy("%(count)d day", "%(count)d days", days) % {"count": days}) for days in LIFETIME_DAYS
        ],
        coerce=int,
        initial=90,
    )

    def lifetime(self) -> timedelta:
        return timedelta(days=self.cleaned_data["valid_for"])
