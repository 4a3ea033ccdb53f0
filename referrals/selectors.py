"""Read side: queues, lists, search and duplicate suggestions, always from the visible queryset."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import OperationalError, connections, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property

from referrals.models import (
    OPEN_STATUSES,
    Household,
    LinkRequest,
    Person,
    Referral,
    ReferralPerson,
    Status,
    id_number_hash,
    normalise_address,
    normalise_name,
    normalise_phone,
)

LIST_RELATED = ("team", "referring_station", "assigned_worker", "referring_officer")
# Six digits at least: the counter pads to six and grows past them (accounts/references.py).
REFERENCE_RE = re.compile(r"^R-\d{4}-\d{1,9}$", re.IGNORECASE)
SUGGESTION_WINDOW = timedelta(days=30)


def visible_referrals(user):
    return Referral.objects.visible_to(user).select_related(*LIST_RELATED)


def my_referrals(user):
    """What an officer filed (and, by setting, the station's), newest change first."""
    return visible_referrals(user).order_by("-updated_at", "-id")


def team_queue(user, team_ids):
    """Open referrals of the teams, by level then due time (the triage order)."""
    return (
        visible_referrals(user)
        .filter(team_id__in=team_ids, status__in=OPEN_STATUSES)
        .order_by("level", "ack_due_at", "id")
    )


def intake_queue(user):
    return visible_referrals(user).filter(team__isnull=True, status=Status.SUBMITTED).order_by("level", "filed_at")


def caseload(worker):
    return (
        Referral.objects.filter(
            assigned_worker=worker, team_id=worker.organization_id, status__in=(Status.ACCEPTED, Status.IN_PROGRESS)
        )
        .select_related(*LIST_RELATED)
        .order_by("level", "accepted_at")
    )


def caseload_counts(team):
    """Open cases per active worker of ``team``; one query."""
    from accounts.models import User

    return (
        User.objects.filter(organization=team, role=User.Role.SOCIAL_WORKER, is_active=True)
        .annotate(open_cases=Count("caseload", filter=Q(caseload__status__in=(Status.ACCEPTED, Status.IN_PROGRESS))))
        .order_by("last_name", "first_name", "username")
    )


def needs_reassignment(user):
    return visible_referrals(user).filter(needs_reassignment=True, status__in=OPEN_STATUSES)


ID_NUMBER_RE = re.compile(r"[A-Za-z]\d{9}|[A-Za-z]{1,2}\d{6}\(?[0-9A]\)?")


MATCH_CAP = 1000  # visible referrals a search gathers at most: the page says "1000+" past that
KEY_CAP = 2000  # persons or households one term may match and still be looked up by id
WALK_BUDGET_MS = 150  # how long the visible referrals may be walked for words that are all common


@dataclass(frozen=True)
class SearchResult:
    referrals: object  # the visible matches, newest first (at most MATCH_CAP)
    ids: list  # their ids in that order
    more: bool  # more than MATCH_CAP visible referrals match
    too_broad: bool = False  # every word too common or too short, and the walk ran out of time


class _TooBroad(Exception):
    pass


class ReferralsByIds:
    """The referrals of ``ids`` in that order, read a page at a time: a paginator counts the list and
    fetches only the page's rows (a condition of a thousand ids costs the planner more than the rows)."""

    def __init__(self, queryset, ids):
        self.queryset, self.ids = queryset, ids

    def count(self):
        return len(self.ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _RowsByIds(self.queryset, self.ids[index])
        return _RowsByIds(self.queryset, [self.ids[index]])[0]


class _RowsByIds:
    """One page's rows, read when first used (as a queryset slice is: while the page renders)."""

    def __init__(self, queryset, ids):
        self.queryset, self.ids = queryset, ids

    @cached_property
    def rows(self):
        found = {r.pk: r for r in self.queryset.filter(pk__in=self.ids)} if self.ids else {}
        return [found[pk] for pk in self.ids if pk in found]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def __bool__(self):
        return bool(self.rows)


def search_rows(user, ids):
    """The search page's rows for ``ids``: its table shows the team alone of the relations."""
    return ReferralsByIds(Referral.objects.visible_to(user).select_related("team"), ids)


def search(user, text):
    """Reference, name, phone, ID number (exact) or address fragment, within what ``user`` may see.

    When the whole text finds nothing, each word is matched on its own and every word must match
    (a name's beginning, an address part), so "王 100號" finds 王大明 at No. 100.
    """
    return search_results(user, text).referrals


def search_results(user, text):
    """``search`` with the matches' ids and whether more than MATCH_CAP referrals matched.

    Matches are gathered as ids, at most MATCH_CAP of them, so the page and its count read a short
    list by primary key. A term matching more than KEY_CAP persons or households (a common surname,
    a road) narrows nothing on its own: the other words are matched first and it is checked on their
    few referrals; only when every word is that common is it matched in SQL over the visible ones.
    """
    text = (text or "").strip()[:100]
    qs = visible_referrals(user)
    if not text:
        ids = []
    elif REFERENCE_RE.match(text):
        # References are issued upper case; an exact match reads the unique index.
        ids = list(qs.filter(reference=text.upper()).values_list("pk", flat=True))
    else:
        try:
            ids = _visible_ids(qs, text, whole=True)
            words = text.split()[:6]
            if not ids and len(words) >= 2 and not _is_phone(text):
                ids = _visible_ids_of_words(qs, words)
        except _TooBroad:
            return SearchResult(qs.none(), ids=[], more=False, too_broad=True)
    shown = ids[:MATCH_CAP]
    found = qs.filter(pk__in=shown).order_by("-filed_at", "-id") if shown else qs.none()
    return SearchResult(found, ids=shown, more=len(ids) > MATCH_CAP)


def listed(user):
    """Every referral ``user`` may see, newest first: the referral list before its filters."""
    return visible_referrals(user).order_by("-filed_at", "-id")


def _is_phone(text):
    digits = normalise_phone(text)
    return len(digits) >= 6 and len(digits) >= len(re.sub(r"[\s()+-]", "", text)) - 1


def _person_condition(word, *, whole):
    """What a person must match for ``word``, and the address key a household must contain ("" for none)."""
    if ID_NUMBER_RE.fullmatch(word):
        return Q(id_number_key=id_number_hash(word)), ""
    if _is_phone(word):
        return Q(phone_key=normalise_phone(word)), ""
    person_match = Q(pk__in=[])
    name_key = normalise_name(word)
    if name_key and not name_key.isdigit():
        person_match |= Q(name_key=name_key) if whole else Q(name_key__startswith=name_key)
    address_key = normalise_address(word)
    if len(address_key) < (3 if whole else 2):
        return person_match, ""
    return person_match | Q(address_key__contains=address_key), address_key


def _referrals_matching(word, *, whole):
    """A filter for referrals with a person or household matching ``word``: the whole name when
    ``whole``, else a name's beginning (a surname). Person links are read from the link table so
    the referrals table is reached by primary key, never scanned."""
    person_match, address_key = _person_condition(word, whole=whole)
    if not address_key:
        return _linked_to(Person.objects.filter(person_match))
    households = Household.objects.filter(address_key__contains=address_key).values("pk")
    at_address = Referral.objects.filter(household__in=households).order_by().values("pk")
    return _linked_to(Person.objects.filter(person_match), union=at_address)


def _linked_to(people, union=None):
    ids = ReferralPerson.objects.filter(person__in=people.values("pk")).order_by().values("referral_id")
    return Q(pk__in=ids if union is None else ids.union(union))


def _referral_ids(word, *, whole):
    """Ids of the referrals (visible or not) of the persons and households matching ``word``, or None
    when more than KEY_CAP persons or households match: too common to look up by id."""
    person_match, address_key = _person_condition(word, whole=whole)
    if 0 < len(address_key) < 3:
        return None  # a trigram index needs three characters: shorter is a scan of every address
    persons = list(Person.objects.filter(person_match).values_list("pk", flat=True)[: KEY_CAP + 1])
    if len(persons) > KEY_CAP:
        return None
    households = []
    if address_key:
        households = list(
            Household.objects.filter(address_key__contains=address_key).values_list("pk", flat=True)[: KEY_CAP + 1]
        )
        if len(households) > KEY_CAP:
            return None
    linked = ReferralPerson.objects.filter(person__in=persons).order_by().values_list("referral_id", flat=True)
    at_address = Referral.objects.filter(household__in=households).order_by().values_list("pk", flat=True)
    if persons and households:
        return set(linked.union(at_address))
    return set(linked if persons else at_address if households else ())


def _matching_among(ids, word):
    """Those of the referrals ``ids`` with a person or household matching ``word`` (a name's
    beginning or an address part), read through the few referrals rather than the word's matches."""
    person_match, address_key = _person_condition(word, whole=False)
    links = list(ReferralPerson.objects.filter(referral__in=ids).values_list("referral_id", "person_id"))
    people = set(Person.objects.filter(person_match, pk__in={p for _, p in links}).values_list("pk", flat=True))
    found = {r for r, p in links if p in people}
    if address_key:
        homes = list(Referral.objects.filter(pk__in=ids, household__isnull=False).values_list("pk", "household_id"))
        at = set(
            Household.objects.filter(address_key__contains=address_key, pk__in={h for _, h in homes}).values_list(
                "pk", flat=True
            )
        )
        found |= {r for r, h in homes if h in at}
    return found


def _referrals_matching_each(word, *, whole):
    """A per-referral test of ``word`` (its persons, its household): for a word too common to
    gather, checked while the visible referrals are walked newest first until enough match."""
    person_match, address_key = _person_condition(word, whole=whole)
    people = Person.objects.filter(person_match, referral_links__referral=OuterRef("pk"))
    condition = Exists(people)
    if address_key:
        # A join, not a subquery: the planner hashes a subquery's 100,000 households before the walk.
        condition |= Q(household__address_key__contains=address_key)
    return condition


def _newest_first(qs, condition):
    return list(qs.filter(condition).order_by("-filed_at", "-id").values_list("pk", flat=True)[: MATCH_CAP + 1])


def _walk(qs, condition):
    """``_newest_first`` for a condition no index answers: the visible referrals are read newest
    first until enough match, which is quick when matches are many and can take long when they are
    few; on PostgreSQL it gets WALK_BUDGET_MS and the search is said to be too broad past that."""
    alias = qs.db  # the replica on the search page: the budget is set where the walk runs
    if connections[alias].vendor != "postgresql":
        return _newest_first(qs, condition)
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(WALK_BUDGET_MS)])
            ids = _newest_first(qs, condition)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return ids
    except OperationalError as cancelled:  # the budget ran out (a cancelled statement rolls the setting back)
        raise _TooBroad from cancelled


def _visible_ids(qs, word, *, whole):
    """The visible referrals matching ``word``, newest first, at most MATCH_CAP + 1."""
    ids = _referral_ids(word, whole=whole)
    if ids is None:
        return _walk(qs, _referrals_matching_each(word, whole=whole))
    return _newest_first(qs, Q(pk__in=ids)) if ids else []


def _visible_ids_of_words(qs, words):
    """The visible referrals every word matches: the words that match few records give the
    candidates, the common ones are checked on those."""
    found = {word: _referral_ids(word, whole=False) for word in words}
    narrowing = [ids for ids in found.values() if ids is not None]
    if not narrowing:
        condition = Q()
        for word in words:
            condition &= _referrals_matching_each(word, whole=False)
        return _walk(qs, condition)
    candidates = set.intersection(*narrowing)
    for word, ids in found.items():
        if ids is None and candidates:
            candidates = _matching_among(candidates, word)
    return _newest_first(qs, Q(pk__in=candidates)) if candidates else []


def _match_filters(people, address=""):
    """Exact-key filters for persons, and the normalised addresses, from what a filer typed."""
    person_q = Q(pk__in=[])
    address_keys = {normalise_address(address)} if address else set()
    for p in people:
        if p.get("id_number"):
            person_q |= Q(id_number_key=id_number_hash(p["id_number"]))
        if p.get("phone") and len(normalise_phone(p["phone"])) >= 6:
            person_q |= Q(phone_key=normalise_phone(p["phone"]))
        if p.get("name") and p.get("date_of_birth"):
            person_q |= Q(name_key=normalise_name(p["name"]), date_of_birth=p["date_of_birth"])
        if p.get("address"):
            address_keys.add(normalise_address(p["address"]))
    address_keys.discard("")
    return person_q, address_keys


NO_SUGGESTIONS = {"persons": [], "households": [], "referrals": [], "possible_match": False}
MATCH_LIMIT = 50  # candidates looked at per lookup; what is shown is cut to SHOWN
SHOWN = 10


def may_look_up(user):
    """Duplicate suggestions are for those who file referrals (referrals/policy.py, "suggest")."""
    from referrals import policy

    return policy.can(user, "suggest", Referral(created_by=user, referring_station=getattr(user, "organization", None)))


def lookup_terms(people, address=""):
    """The keys a lookup matches on, normalised, as "kind:value" (for the access log's keyed hash)."""
    terms = []
    for p in people:
        if p.get("id_number"):
            terms.append("id_number:" + re.sub(r"[\s-]", "", p["id_number"]).upper())
        if p.get("phone") and len(normalise_phone(p["phone"])) >= 6:
            terms.append(f"phone:{normalise_phone(p['phone'])}")
        if p.get("name") and p.get("date_of_birth"):
            terms.append(f"name_and_birth_date:{normalise_name(p['name'])} {p['date_of_birth'].isoformat()}")
        if p.get("address"):
            terms.append(f"address:{normalise_address(p['address'])}")
    if address and normalise_address(address):
        terms.append(f"address:{normalise_address(address)}")
    return list(dict.fromkeys(t for t in terms if not t.endswith(":")))


def duplicate_suggestions(user, people, address=""):
    """Persons and households that look like the ones being filed, and their recent open referrals.

    ``people`` are dicts with name, date_of_birth, phone, id_number, address. Matching is on exact
    keys. Only records ``user`` may see are returned; for anything else that matches, all that is
    said is ``possible_match``: the intake desk can link it (no name, address, birth date,
    reference, category, status, station, team or worker).
    """
    person_q, address_keys = _match_filters(people, address)
    matched = list(Person.objects.filter(person_q).values_list("pk", "household_id")[:MATCH_LIMIT])
    person_ids = [pk for pk, _ in matched]
    household_q = Q(pk__in=[h for _, h in matched if h]) | Q(address_key__in=address_keys)
    household_ids = list(Household.objects.filter(household_q).values_list("pk", flat=True)[:MATCH_LIMIT])
    since = timezone.now() - SUGGESTION_WINDOW
    recent = Referral.objects.filter(household__in=household_ids, filed_at__gte=since, status__in=OPEN_STATUSES)

    persons = list(
        Person.objects.visible_to(user).filter(pk__in=person_ids).select_related("household").order_by("pk")[:SHOWN]
    )
    households = list(Household.objects.visible_to(user).filter(pk__in=household_ids).order_by("pk")[:SHOWN])
    referrals = list(
        recent.visible_to(user)
        .select_related("team", "referring_station", "assigned_worker")
        .order_by("-filed_at")[:SHOWN]
    )
    for p in persons:
        p.display_name = p.name
    seen_persons = Person.objects.visible_to(user).filter(pk__in=person_ids).count()
    seen_households = Household.objects.visible_to(user).filter(pk__in=household_ids).count()
    possible_match = (
        seen_persons < len(person_ids)
        or seen_households < len(household_ids)
        or recent.exclude(pk__in=Referral.objects.visible_to(user).values("pk")).exists()
    )
    return {"persons": persons, "households": households, "referrals": referrals, "possible_match": possible_match}


LINK_CANDIDATES = 5


def hidden_matches(user, people, address=""):
    """Households matching what a filer typed that ``user`` cannot see, newest first, each with its
    most recent open referral of the last 30 days (or None): what a link request names."""
    person_q, address_keys = _match_filters(people, address)
    ids = set(
        Person.objects.filter(person_q).exclude(household=None).values_list("household_id", flat=True)[:MATCH_LIMIT]
    )
    if address_keys:
        ids |= set(Household.objects.filter(address_key__in=address_keys).values_list("pk", flat=True)[:MATCH_LIMIT])
    ids -= set(Household.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    households = list(Household.objects.filter(pk__in=ids).order_by("-pk")[:LINK_CANDIDATES])
    since = timezone.now() - SUGGESTION_WINDOW
    recent = {}
    for r in Referral.objects.filter(household__in=households, filed_at__gte=since, status__in=OPEN_STATUSES).order_by(
        "filed_at"
    ):
        recent[r.household_id] = r
    return [(h, recent.get(h.pk)) for h in households]


def link_requests_to_decide(user, referral):
    """Pending link requests of ``referral`` that ``user`` may decide, each with what of the other
    household the user can already see (``household_visible``, ``visible_referrals``)."""
    from referrals import policy

    links = [
        link
        for link in LinkRequest.objects.filter(referral=referral, state=LinkRequest.State.PENDING).select_related(
            "household", "referral", "referral__team"
        )
        if policy.can(user, "reject_link", link)
    ]
    for link in links:
        link.referral = referral
        link.can_confirm = policy.can(user, "confirm_link", link)
        link.household_visible = link.can_confirm or (
            Household.objects.visible_to(user).filter(pk=link.household_id).exists()
        )
        link.visible_referrals = (
            list(visible_referrals(user).filter(household_id=link.household_id).order_by("-filed_at")[:5])
            if link.household_visible
            else []
        )
    return links


@dataclass(frozen=True)
class StationFeedback:
    station: object
    answered: int
    appropriate: int
    common_gaps: list  # [(label, count)], most frequent first

    @property
    def rate(self):
        return round(100 * self.appropriate / self.answered) if self.answered else None


def feedback_by_station(stations, since=None):
    """Per station: how many referrals the teams judged, how many were appropriate, what was missing most."""
    from collections import Counter

    from referrals.models import ReferralFeedback, ReferralGap

    rows = ReferralFeedback.objects.filter(station__in=stations)
    if since is not None:
        rows = rows.filter(at__gte=since)
    labels = dict(ReferralGap.choices)
    by_station = {}
    for station_id, appropriate, gaps in rows.values_list("station", "appropriate", "gaps"):
        answered, good, counter = by_station.setdefault(station_id, [0, 0, Counter()])
        by_station[station_id][0] += 1
        by_station[station_id][1] += int(appropriate)
        counter.update(gaps)
    return [
        StationFeedback(
            station=station,
            answered=by_station[station.pk][0],
            appropriate=by_station[station.pk][1],
            common_gaps=[(str(labels.get(code, code)), n) for code, n in by_station[station.pk][2].most_common(3)],
        )
        for station in stations
        if station.pk in by_station
    ]
