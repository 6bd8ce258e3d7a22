"""Role checks for the API. Scope (which rows) is `visible_to`; these decide what a role may do."""

from rest_framework import permissions


class InventoryPermission(permissions.BasePermission):
    """Reads for everyone signed in; creating needs `add_<model>`, changing `change_<model>`
    (accounts.permissions gives both to officers and supervisors). There are no deletes."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        model = view.write_model
        action = "add" if request.method == "POST" else "change"
        return request.user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
