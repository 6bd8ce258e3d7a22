from django.contrib.auth.backends import ModelBackend

from accounts.permissions import role_permissions


class RoleBackend(ModelBackend):
    """Authenticates like ModelBackend and grants each role its fixed permissions."""

    def get_group_permissions(self, user_obj, obj=None):
        perms = set(super().get_group_permissions(user_obj, obj))
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            perms |= role_permissions(user_obj.role)
        return perms
