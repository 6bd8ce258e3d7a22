"""The one place that decides who sees what.

Every list, detail, action, export and download starts from `Model.objects.visible_to(user)`.
A model's queryset says how it is reached from each kind of scope; the rules per role
live here, once.
"""

from django.db import models

from accounts.models import Role


class ScopedQuerySet(models.QuerySet):
    """Override the three hooks; each returns the rows reachable from that scope."""

    def in_counties(self, counties):
        """Rows an officer scoped to `counties` (a queryset of County) may see."""
        return self.none()

    def of_company(self, company_id):
        """Rows a company user of `company_id` may see."""
        return self.none()

    def of_contractor(self, contractor_id):
        """Rows a contractor user of `contractor_id` may see."""
        return self.none()

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_bureau:
            if user.sees_all_counties:
                return self.all()
            return self.in_counties(user.counties.all())
        if user.role == Role.COMPANY and user.company_id:
            return self.of_company(user.company_id)
        if user.role == Role.CONTRACTOR and user.contractor_id:
            return self.of_contractor(user.contractor_id)
        return self.none()
