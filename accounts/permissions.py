"""What each role may do, as Django permissions, so the admin and the pages agree.

Roles are not groups an administrator can edit by accident: the table below is the
rule, and `RoleBackend` grants exactly these permissions. Object scope (which rows) is
decided separately by `visible_to`.
"""

from accounts.models import Role

INVENTORY_MODELS = (
    "mines.county",
    "mines.company",
    "mines.contractor",
    "mines.mine",
    "mines.historicalsite",
    "mines.governancezone",
    "mines.keyprotectionarea",
    "mines.keyproject",
    "mines.greenminelisting",
    "mines.planningarea",
)


def _perms(actions, models):
    out = set()
    for model in models:
        app, name = model.split(".")
        out.update(f"{app}.{action}_{name}" for action in actions)
    return frozenset(out)


_STAFF_INVENTORY = _perms(("view", "add", "change"), INVENTORY_MODELS)

ROLE_PERMISSIONS = {
    Role.OFFICER: _STAFF_INVENTORY,
    Role.SUPERVISOR: _STAFF_INVENTORY,
    Role.COMPANY: frozenset(),
    Role.CONTRACTOR: frozenset(),
}


def role_permissions(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
