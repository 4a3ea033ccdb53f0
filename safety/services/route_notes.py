"""Route notes: what workers tell each other about getting to and into an address ("dog in the yard",
"back entrance only"). Kept by the normalised address, so every visit there shows them; seen by social
work of the author's agency (RouteNote.objects.visible_to), never by police."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from safety import policy
from safety.models import HomeVisit, RouteNote


def _agency(actor: User, visit: HomeVisit) -> Organization | None:
    """The agency holding the case (its workers are the ones going there next), else the author's."""
    for unit in (visit.referral.team, actor.organization):
        if unit is not None and not unit.is_police:
            return unit.nearest(Organization.Kind.AGENCY) or unit
    return None


@transaction.atomic
def add_route_note(*, actor: User, visit: HomeVisit, text: str) -> RouteNote:
    policy.require(actor, "add_route_note", visit)
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > 500:
        raise ValidationError({"text": _("Keep the note to 500 characters.")})
    agency = _agency(actor, visit)
    if agency is None:
        raise ValidationError(_("This visit has no receiving team."))
    return RouteNote.objects.create(address=visit.address, text=text, author=actor, agency=agency, visit=visit)


def notes_for(*, user: User, address: str) -> list[RouteNote]:
    return list(RouteNote.objects.visible_to(user).for_address(address).select_related("author")[:50])
