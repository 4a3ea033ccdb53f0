"""Who to ask or tell in a unit: supervisors, intake coordinators, agency heads, team workers.

Lookups only, shared by every app; active users only."""

from accounts.models import Organization, User


def agency_of(unit: Organization | None) -> Organization | None:
    """The agency a team belongs to (or the unit itself when it is an agency)."""
    return unit.nearest(Organization.Kind.AGENCY) if unit is not None else None


def supervisors_of(unit: Organization | None) -> list[User]:
    """The supervisors of the unit or, failing that, of the nearest unit above it that has any."""
    if unit is None:
        return []
    for org in [unit, *reversed(unit.ancestors())]:
        found = list(User.objects.filter(organization=org, role=User.Role.SUPERVISOR, is_active=True))
        if found:
            return found
    return []


def agency_heads(unit: Organization | None) -> list[User]:
    """The supervisors at the agency level above a team."""
    agency = agency_of(unit)
    if agency is None:
        return []
    return list(User.objects.filter(organization=agency, role=User.Role.SUPERVISOR, is_active=True))


def district_coordinators(district_id: int | None) -> list[User]:
    """The district's intake coordinators (派案窗口)."""
    return list(
        User.objects.filter(role=User.Role.INTAKE_COORDINATOR, organization__district_id=district_id, is_active=True)
    )


def team_workers(team: Organization | None) -> list[User]:
    """The social workers of a team."""
    return list(User.objects.filter(organization=team, role=User.Role.SOCIAL_WORKER, is_active=True))
