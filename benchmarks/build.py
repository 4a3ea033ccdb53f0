"""Build a city-scale data set with PostgreSQL COPY (run by ``scripts/bench``).

Sizes: 200,000 referrals, 400,000 persons, 2,000,000 referral events, 50 teams, 300 workers,
100 stations, 100,000 patrol visits, 5,000 hazard events (override with BENCH_SCALE=0.1 etc.).
"""

import io
import json
import os
import random
import time
from datetime import timedelta

from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.models import District, Organization, User
from patrols.models import Beat, PersonOfConcern
from referrals.models import StationTeamMatch

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
N_REFERRALS = int(200_000 * SCALE)
N_EVENTS_PER_REFERRAL = 10
N_PATROL_VISITS = int(100_000 * SCALE)
N_HAZARDS = int(5_000 * SCALE)
N_STATIONS, N_TEAMS, N_WORKERS = 100, 50, 300
DAYS = 730


def _missing_defaults(table, columns):
    """NOT NULL columns of ``table`` that ``columns`` leaves out, with the model field's default.

    Columns added to the models later get their default here, so the builder keeps working."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
            [table],
        )
        required = [name for (name,) in cursor.fetchall() if name not in columns]
    fields = {f.column: f for f in model._meta.concrete_fields}
    extra = {}
    for name in required:
        value = fields[name].get_default()
        extra[name] = json.dumps(value) if isinstance(value, (list, dict)) else value
    return extra


def _copy(table, columns, rows):
    """Stream rows into ``table`` with COPY (tab-separated text)."""
    extra = _missing_defaults(table, columns)
    columns, tail = [*columns, *extra], tuple(extra.values())
    buffer = io.StringIO()
    for row in rows:
        row = (*row, *tail)
        buffer.write("\t".join("\\N" if v is None else str(v).replace("\t", " ").replace("\n", " ") for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)


def _organisations():
    district, _ = District.objects.get_or_create(code="bench", defaults={"name": "Bench district"})
    pd = Organization.objects.create(name="Bench police", code="bench-pd", kind="police_department")
    precincts = [
        Organization.objects.create(
            name=f"Precinct {n}", code=f"bench-p{n}", kind="precinct", parent=pd, district=district
        )
        for n in range(10)
    ]
    stations = [
        Organization.objects.create(
            name=f"Station {n}", code=f"bench-s{n}", kind="station", parent=precincts[n % 10], district=district
        )
        for n in range(N_STATIONS)
    ]
    welfare = Organization.objects.create(name="Bench welfare", code="bench-w", kind="welfare_department")
    agencies = [
        Organization.objects.create(
            name=f"Agency {n}", code=f"bench-a{n}", kind="agency", parent=welfare, district=district
        )
        for n in range(5)
    ]
    teams = [
        Organization.objects.create(
            name=f"Team {n}", code=f"bench-t{n}", kind="team", parent=agencies[n % 5], district=district
        )
        for n in range(N_TEAMS)
    ]
    start = timezone.localdate() - timedelta(days=DAYS + 1)
    StationTeamMatch.objects.bulk_create(
        [StationTeamMatch(station=s, team=teams[i % N_TEAMS], starts_on=start) for i, s in enumerate(stations)]
    )
    users = []
    for i, s in enumerate(stations):
        users.append(User(username=f"bofficer{i}", role="officer", organization=s))
    for i in range(N_WORKERS):
        users.append(User(username=f"bworker{i}", role="social_worker", organization=teams[i % N_TEAMS]))
    for i, a in enumerate(agencies):
        users.append(User(username=f"bsupervisor{i}", role="supervisor", organization=a))
    for i, p in enumerate(precincts):
        users.append(User(username=f"bprecinct{i}", role="supervisor", organization=p))
    for u in users:
        u.set_unusable_password()
    User.objects.bulk_create(users)
    return district, stations, teams


def build():
    timings = {}
    t0 = time.perf_counter()
    rng = random.Random(2026)
    district, stations, teams = _organisations()
    officers = dict(User.objects.filter(username__startswith="bofficer").values_list("organization_id", "pk"))
    workers = {}
    for pk, team_id in User.objects.filter(username__startswith="bworker").values_list("pk", "organization_id"):
        workers.setdefault(team_id, []).append(pk)
    now = timezone.now()
    timings["organisations"] = time.perf_counter() - t0

    t = time.perf_counter()
    n_households = N_REFERRALS // 2
    _copy(
        "referrals_household",
        ["id", "label", "address", "address_key", "created_at"],
        ((h + 1, "", f"No. {h}, Bench Rd.", f"no{h}benchrd", now) for h in range(n_households)),
    )
    _copy(
        "referrals_person",
        [
            "id",
            "household_id",
            "name",
            "name_key",
            "sex",
            "phone",
            "phone_key",
            "id_number_key",
            "address",
            "address_key",
            "created_at",
        ],
        (
            (p + 1, p // 4 + 1, f"Person {p}", f"person{p}", "unknown", f"09{p:08d}", f"09{p:08d}", "", "", "", now)
            for p in range(N_REFERRALS * 2)
        ),
    )
    timings["households_persons"] = time.perf_counter() - t

    t = time.perf_counter()
    statuses = ["closed"] * 14 + ["submitted", "acknowledged", "accepted", "in_progress", "declined", "cancelled"]

    # Filing times rise with the id, as in service (rows are appended as referrals are filed): a
    # period's referrals then lie together on disk, as they do in a real table.
    minutes_ago = sorted((rng.randrange(DAYS * 24 * 60) for _ in range(N_REFERRALS)), reverse=True)

    def referral_rows():
        for r in range(N_REFERRALS):
            station = stations[r % N_STATIONS]
            team = teams[r % N_STATIONS % N_TEAMS]
            status = statuses[rng.randrange(len(statuses))]
            filed = now - timedelta(minutes=minutes_ago[r])
            worker = rng.choice(workers[team.pk]) if status in ("accepted", "in_progress", "closed") else None
            due = filed + timedelta(hours=24)
            yield (
                r + 1,
                f"R-1999-{r:07d}",
                status,
                rng.choice(["family_conflict", "elderly", "juvenile", "dispute"]),
                1 + r % 3,
                "f",
                "incident",
                "",
                "",
                filed,
                "",
                "bench narrative",
                "given",
                "",
                "[]",
                "",
                r // 2 + 1,
                officers[station.pk],
                officers[station.pk],
                station.pk,
                district.pk,
                team.pk,
                worker,
                "f",
                "f" if r % 5 else "t",
                filed,
                filed,
                filed if status != "submitted" else None,
                1,
                due,
                due if status == "submitted" else None,
                0,
                "",
                "got_help" if status == "closed" else "",
                "",
                "",
            )

    _copy(
        "referrals_referral",
        [
            "id",
            "reference",
            "status",
            "category",
            "level",
            "level_confirmed",
            "origin",
            "origin_reference",
            "call_number",
            "incident_at",
            "incident_place",
            "narrative",
            "consent",
            "consent_note",
            "known_risks",
            "risk_note",
            "household_id",
            "created_by_id",
            "referring_officer_id",
            "referring_station_id",
            "district_id",
            "team_id",
            "assigned_worker_id",
            "needs_reassignment",
            "after_hours",
            "filed_at",
            "updated_at",
            "acknowledged_at",
            "sla_cycle",
            "ack_due_at",
            "escalate_at",
            "escalation_level",
            "decline_reason",
            "outcome",
            "outcome_summary",
            "referred_to",
        ],
        referral_rows(),
    )
    _copy(
        "referrals_referralperson",
        ["referral_id", "person_id", "role"],
        ((r + 1, 2 * r + 1, "subject") for r in range(N_REFERRALS)),
    )
    timings["referrals"] = time.perf_counter() - t

    t = time.perf_counter()
    kinds = [
        "submitted",
        "acknowledged",
        "accepted",
        "assigned",
        "first_contact",
        "escalated",
        "transferred",
        "level_changed",
        "linked",
        "closed",
    ]
    _copy(
        "referrals_referralevent",
        ["referral_id", "kind", "from_status", "to_status", "note", "shared", "at"],
        (
            (r + 1, kinds[k], "", "", "", "t", now - timedelta(minutes=k))
            for r in range(N_REFERRALS)
            for k in range(N_EVENTS_PER_REFERRAL)
        ),
    )
    timings["events"] = time.perf_counter() - t

    t = time.perf_counter()
    beats = Beat.objects.bulk_create([Beat(station=s, code=f"B{i}") for i, s in enumerate(stations)])
    pocs = PersonOfConcern.objects.bulk_create(
        [
            PersonOfConcern(
                station=stations[i % N_STATIONS],
                beat=beats[i % N_STATIONS],
                name=f"POC {i}",
                address="x",
                next_due_on=timezone.localdate(),
            )
            for i in range(2000)
        ]
    )
    _copy(
        "patrols_patrolvisit",
        [
            "reference",
            "station_id",
            "person_id",
            "officer_id",
            "visited_at",
            "outcome",
            "side_visit_note",
            "new_address",
            "children_present",
            "child_care_checked",
            "child_care_note",
            "vulnerable_family",
            "note",
        ],
        (
            (
                f"PV-1999-{v:07d}",
                pocs[v % 2000].station_id,
                pocs[v % 2000].pk,
                officers[pocs[v % 2000].station_id],
                now - timedelta(minutes=rng.randrange(DAYS * 24 * 60)),
                "met",
                "",
                "",
                0,
                "f",
                "",
                "f",
                "",
            )
            for v in range(N_PATROL_VISITS)
        ),
    )
    _copy(
        "safety_hazardevent",
        [
            "reference",
            "worker_id",
            "reported_by_id",
            "team_id",
            "types",
            "occurred_at",
            "place",
            "injury",
            "property_loss",
            "offender_description",
            "police_report_made",
            "media_report_count",
            "media_links",
            "narrative",
            "is_major",
            "major_reasons",
            "review_flag_reason",
            "for_safety_council",
            "created_at",
        ],
        (
            (
                f"H-1999-{h:06d}",
                workers[teams[h % N_TEAMS].pk][0],
                workers[teams[h % N_TEAMS].pk][0],
                teams[h % N_TEAMS].pk,
                '["intimidation"]',
                now - timedelta(minutes=rng.randrange(DAYS * 24 * 60)),
                "x",
                "none",
                "",
                "",
                "f",
                0,
                "",
                "n",
                "f",
                "[]",
                "",
                "f",
                now,
            )
            for h in range(N_HAZARDS)
        ),
    )
    timings["patrols_safety"] = time.perf_counter() - t

    t = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("referrals_household", "referrals_person", "referrals_referral"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608 - fixed table names
        # As autovacuum leaves a table in service: statistics, and the visibility map that lets
        # index-only scans skip the heap.
        cursor.execute("VACUUM ANALYZE")
    timings["analyze"] = time.perf_counter() - t

    # The dashboard's summary, as the timer sweep keeps it (its first full build).
    from dashboards.summary.refresh import refresh

    t = time.perf_counter()
    refresh(full=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dashboards_referraldailyfigures")
    timings["dashboard_summary"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return timings


if __name__ == "__main__":  # pragma: no cover - run through scripts/bench
    import django

    django.setup()
    print(json.dumps(build(), indent=2))
