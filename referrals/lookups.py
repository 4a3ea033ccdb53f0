"""Duplicate lookups while filing, for the page and the API alike: who may ask, how often, and the log.

Both channels share one allowance per user (DRF throttle scopes ``referral_suggestions`` and
``referral_suggestions_day``), and every lookup writes one access-log row per key it matched on
(ID number, phone, name + date of birth, address), holding only a keyed hash of that key.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from accounts.access_log import log_search
from referrals import selectors

DEFAULT_RATES = {"referral_suggestions": "30/min", "referral_suggestions_day": "500/day"}
LOG_TYPE = "referral_suggestion"


class SuggestionThrottle(UserRateThrottle):
    """Per user, whichever channel the lookup comes from."""

    scope = "referral_suggestions"

    def get_rate(self):
        # Read at each request, so a changed setting applies without a restart of the class.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATES[self.scope]


class SuggestionDailyThrottle(SuggestionThrottle):
    scope = "referral_suggestions_day"


THROTTLES = (SuggestionThrottle, SuggestionDailyThrottle)


def allowed_now(request):
    """Count one page lookup against the user's allowance; False when it is used up."""
    return all([throttle().allow_request(request, None) for throttle in THROTTLES])


def may_look_up(user):
    return selectors.may_look_up(user)


def look_up(request, people, address=""):
    """The suggestions for what a filer typed (None when nothing to match on), written to the access log."""
    terms = selectors.lookup_terms(people, address)
    if not terms:
        return None
    found = selectors.duplicate_suggestions(request.user, people, address)
    shown = len(found["persons"]) + len(found["households"]) + len(found["referrals"])
    matches = f"{shown}+possible" if found["possible_match"] else str(shown)
    for term in terms:
        log_search(request, term, matches, object_type=LOG_TYPE)
    return found
