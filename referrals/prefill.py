"""Other apps can open the referral form prefilled from one of their records.

A ``Provider`` is registered per referral origin (e.g. ``patrol_visit``) under
``hooks.REFERRAL_PREFILL``. The form
calls it with the signed-in user and the origin reference from the query string;
the provider returns ``None`` when the user may not see that record, so the form
then opens empty (never revealing the record). Filing checks the same way that the
filer may see the record a referral names as its origin. Providers must not write:
opening the form is a GET.

A provider returns a :class:`Prefill`. ``household`` and ``persons`` are
``referrals.models.Household`` / ``Person`` rows the provider keeps for its record.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts import hooks


@dataclass
class Prefill:
    origin_reference: str
    category: str = ""
    incident_place: str = ""
    incident_at: object = None
    narrative: str = ""
    household: object = None
    persons: list = field(default_factory=list)  # [(Person, PersonRole value)]; a Person may be unsaved
    origin: str = ""  # set by prefill_for


@dataclass(frozen=True)
class Provider:
    origin: str
    prefill: Callable  # prefill(user, reference) -> Prefill | None; reads only


def _provider(origin):
    return next((p.prefill for p in hooks.get_hooks(hooks.REFERRAL_PREFILL) if p.origin == origin), None)


def prefill_for(user, origin, reference):
    """The provider's prefill for a record ``user`` may see, else None. Providers only read."""
    provider = _provider(origin)
    if provider is None or not reference:
        return None
    filled = provider(user, reference)
    if filled is not None:
        filled.origin = origin
    return filled
