"""The three roles, as Django groups: viewers read published incidents, editors write and see drafts,
admins may do everything including managing users and publishing without a review."""

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
EDITABLE_MODELS = ["incident", "timelineevent", "contributingfactor", "lesson", "actionitem", "externallink", "tag", "service",
                   "retrospective", "agendaitem", "glossaryentry"]


def ensure_roles():
    """Create the role groups and (re)grant their permissions. Safe to call any number of times."""
    from django.contrib.auth.models import Group, Permission  # here: settings read this module (OIDC_ROLE_MAP)

    incidents = Permission.objects.filter(content_type__app_label="incidents")
    grants = {
        VIEWER: incidents.filter(codename__startswith="view_"),
        EDITOR: incidents.filter(codename__startswith="view_")
        | incidents.filter(content_type__model__in=EDITABLE_MODELS).exclude(codename="publish_without_review"),
        ADMIN: Permission.objects.filter(content_type__app_label__in=["incidents", "auth", "authtoken"]),
    }
    for name, permissions in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def is_editor(user):
    return user.is_authenticated and user.has_perm("incidents.change_incident")


ROLES = (VIEWER, EDITOR, ADMIN)


def role_of(user):
    """The user's role: "admin" for a superuser, else the highest of their role groups, else ""."""
    if user.is_superuser:
        return ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in reversed(ROLES) if role in names), "")


def is_admin(user):
    """Admins (the admin role's permissions on users, or a superuser): they manage people and see every
    incident, restricted ones included."""
    return user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm("auth.change_user"))


def parse_role_map(text):
    """``OIDC_ROLE_MAP`` ("sre-leads=admin,sre=editor,*=viewer") as a tuple of (group, role) rules, in order.
    ValueError naming the faulty entry for an unknown role, a missing "=" or an empty group."""
    rules = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        group, sep, role = (piece.strip() for piece in entry.rpartition("="))
        if not sep or not group:
            raise ValueError(f"“{entry}” is not group=role (e.g. sre=editor, or *=viewer for everyone)")
        if role not in ROLES:
            raise ValueError(f"unknown role “{role}” in “{entry}” (roles: {', '.join(ROLES)})")
        rules.append((group, role))
    return tuple(rules)


def role_for_groups(rules, groups):
    """The role of the first rule whose group is one of ``groups`` ("*" matches everyone), else None: no access.
    A rule's group may be an email address (matched without regard to case, for providers without groups)."""
    groups = set(groups) | {group.lower() for group in groups if "@" in group}
    rules = [(group.lower() if "@" in group else group, role) for group, role in rules]
    return next((role for group, role in rules if group == "*" or group in groups), None)
