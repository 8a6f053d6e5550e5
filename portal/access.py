"""Who may see and do what: the one module every view and queryset asks (SPEC §1, R-SEC-1).

Roles are Django groups created by a data migration. Views declare their rule with one of
the decorators below; ``AccessRuleMiddleware`` refuses any view that declares none (deny by
default), and ``tests/test_url_access.py`` walks every URL to prove it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from django.contrib.auth.decorators import login_not_required


class Role(StrEnum):
    PROVIDER = "provider"
    MCO = "mco"
    HFS = "hfs"
    REGISTRATION_ADMIN = "registration_admin"

    @property
    def group_name(self):
        return GROUP_NAMES[self]

    @property
    def label(self):
        return LABELS[self]


GROUP_NAMES = {
    Role.PROVIDER: "Provider users",
    Role.MCO: "MCO staff",
    Role.HFS: "HFS portal staff",
    Role.REGISTRATION_ADMIN: "Registration admins",
}
LABELS = {
    Role.PROVIDER: "Provider user",
    Role.MCO: "MCO staff",
    Role.HFS: "HFS portal staff",
    Role.REGISTRATION_ADMIN: "Registration admin",
}
ROLE_BY_GROUP = {name: role for role, name in GROUP_NAMES.items()}
# R-SEC-3: these roles must use multi-factor authentication.
STAFF_ROLES = frozenset({Role.MCO, Role.HFS, Role.REGISTRATION_ADMIN})
# Roles a person with the manage_people permission may invite (providers register instead).
INVITABLE_ROLES = (Role.MCO, Role.HFS)


def roles_of(user) -> frozenset[Role]:
    """The person's roles, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return _access(user).roles


def has_totp(user) -> bool:
    """R-SEC-3: whether the person has a TOTP authenticator (read with their roles)."""
    return _access(user).has_totp


def has_permission(user, permission) -> bool:
    """``user.has_perm(permission)`` ("app_label.codename"), answered from what was read
    with the person's roles: the permissions given to them and to their groups; an active
    superuser holds every permission, as in Django."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or permission in _access(user).permissions


def forget_roles(user):
    """Drop what was read of the person's access after their groups change."""
    for name in ("_portal_access", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, name):  # the last three are Django's
            delattr(user, name)


@dataclass(frozen=True)
class _Access:
    roles: frozenset
    has_totp: bool
    permissions: frozenset


def _access(user) -> _Access:
    """What every request asks of the signed-in person — their roles, whether they have a
    TOTP authenticator, their permissions — in one query, once per user object (issue 14:
    it was four a staff request: the groups, the authenticator, Django's two permission
    reads)."""
    known = getattr(user, "_portal_access", None)  # request.user is a lazy proxy: getattr
    if known is None:
        from allauth.mfa.models import Authenticator
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(_access_sql(),
                           [user.pk, user.pk, Authenticator.Type.TOTP, user.pk, user.pk])
            rows = cursor.fetchall()
        known = user._portal_access = _Access(
            roles=frozenset(ROLE_BY_GROUP[a] for kind, a, _b in rows
                            if kind == "role" and a in ROLE_BY_GROUP),
            has_totp=any(kind == "totp" for kind, _a, _b in rows),
            permissions=frozenset(f"{a}.{b}" for kind, a, b in rows if kind == "permission"),
        )
    return known


@cache
def _access_sql() -> str:
    """The person's groups, TOTP authenticator, and permissions (their own and their
    groups'), as (kind, a, b) rows; the tables named from the models."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from portal.models import User

    q = connection.ops.quote_name
    member = q(User.groups.through._meta.db_table)
    permission = (f"FROM {q(Permission._meta.db_table)} p JOIN "
                  f"{q(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id")
    return " UNION ALL ".join([
        # Only table names (from the models) are formatted in; every value is a parameter.
        f"SELECT 'role', g.name, '' FROM {q(Group._meta.db_table)} g "  # noqa: S608
        f"JOIN {member} m ON m.group_id = g.id WHERE m.user_id = %s",
        f"SELECT 'totp', '', '' FROM {q(Authenticator._meta.db_table)} "  # noqa: S608
        "WHERE user_id = %s AND type = %s",
        f"SELECT 'permission', ct.app_label, p.codename {permission} "
        f"JOIN {q(User.user_permissions.through._meta.db_table)} up "
        f"ON up.permission_id = p.id WHERE up.user_id = %s",
        f"SELECT 'permission', ct.app_label, p.codename {permission} "
        f"JOIN {q(Group.permissions.through._meta.db_table)} gp ON gp.permission_id = p.id "
        f"JOIN {member} m ON m.group_id = gp.group_id WHERE m.user_id = %s",
    ])


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_provider_user(user) -> bool:
    return has_role(user, Role.PROVIDER)


def is_mco_staff(user) -> bool:
    return has_role(user, Role.MCO) and user.mco_id is not None


def is_hfs_staff(user) -> bool:
    return has_role(user, Role.HFS)


def is_registration_admin(user) -> bool:
    return has_role(user, Role.REGISTRATION_ADMIN)


def needs_mfa(user) -> bool:
    """R-SEC-3: staff (MCO, HFS, registration admins) and Django superusers."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(roles_of(user) & STAFF_ROLES) or user.is_superuser


def can_manage_people(user) -> bool:
    """Registration admins, and HFS staff granted the permission, invite and deactivate staff."""
    return has_role(user, Role.HFS, Role.REGISTRATION_ADMIN) and has_permission(
        user, "portal.manage_people"
    )


def can_edit_reference_data(user) -> bool:
    return is_hfs_staff(user)


def people_visible_to(user):
    """The staff a people manager may see and deactivate: MCO and HFS staff, and admins."""
    from portal.models import User

    if not can_manage_people(user):
        return User.objects.none()
    staff_groups = [GROUP_NAMES[r] for r in STAFF_ROLES]
    return (
        User.objects.filter(groups__name__in=staff_groups)
        .exclude(pk=user.pk)
        .distinct()
        .select_related("mco")
        .prefetch_related("groups")
    )


def home_url_name(user) -> str:
    """The page a person lands on after signing in, by role (most specific first)."""
    roles = roles_of(user)
    for role, name in (
        (Role.HFS, "hfs_home"),
        (Role.REGISTRATION_ADMIN, "registration_queue"),
        (Role.MCO, "mco_queue"),
        (Role.PROVIDER, "provider_home"),
    ):
        if role in roles:
            return name
    return "no_role_home"


# --- Declaring a view's rule ---------------------------------------------------------


@dataclass(frozen=True)
class AccessRule:
    """Who may open a view. ``public``: anyone, signed in or not; otherwise a signed-in
    person, holding one of ``roles`` when given, and passing ``check`` when given."""

    public: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)
    check: object = None
    description: str = ""

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.roles and not (roles_of(user) & self.roles):
            return False
        return self.check is None or bool(self.check(user))


def _declare(rule):
    def decorate(view):
        if rule.public:
            view = login_not_required(view)
        view.portal_access = rule
        return view

    return decorate


def public(view):
    """Anyone may open this view, signed in or not."""
    return _declare(AccessRule(public=True, description="public"))(view)


def signed_in(view):
    """Any signed-in person, whatever the role."""
    return _declare(AccessRule(description="any signed-in person"))(view)


def for_roles(*roles: Role, check=None):
    """Signed-in people holding one of ``roles`` (and passing ``check``, when given)."""
    desc = " or ".join(r.label for r in roles)
    return _declare(AccessRule(roles=frozenset(roles), check=check, description=desc))


# Views that come from libraries and guard themselves: allauth's pages (sign-in, sign-up,
# e-mail, MFA) and Django's admin (staff accounts only, with its own login check).
THIRD_PARTY_RULES = {
    "allauth.": AccessRule(public=True, description="allauth (guards its own pages)"),
    "django.views.static": AccessRule(public=True, description="static files (DEBUG only)"),
    "django.contrib.staticfiles.": AccessRule(public=True, description="static (DEBUG only)"),
}


# Django's admin (namespace "admin") checks is_staff itself; its sign-in goes through
# allauth (urls.py), so the superusers who use it pass two-step verification too.
ADMIN_RULE = AccessRule(public=True, description="Django admin (is_staff, checked by admin)")


def rule_for_view(view_func, app_names=()):
    """The rule a view declares, or None (which the middleware refuses)."""
    if "admin" in app_names:
        return ADMIN_RULE
    rule = getattr(view_func, "portal_access", None)
    if rule is None:
        view_class = getattr(view_func, "view_class", None) or getattr(
            view_func, "cls", None
        )
        rule = getattr(view_class, "portal_access", None)
    if rule is not None:
        return rule
    module = getattr(view_func, "__module__", "") or ""
    for prefix, third_party_rule in THIRD_PARTY_RULES.items():
        if module.startswith(prefix):
            return third_party_rule
    return None
