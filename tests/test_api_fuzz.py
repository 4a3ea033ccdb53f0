"""API fuzzing: schemathesis generates requests from the drf-spectacular schema.

Every operation gets valid and invalid (negative) examples, sent in-process to the
WSGI app as every role; the API must never answer 500 and documented responses must
match the schema. Path ids point at real records of the caller's and of another
organisation, so the visibility rule is exercised too.
"""

import json
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import User
from accounts.services import mint_api_token
from referrals import services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
ROLES = ("officer", "social_worker", "supervisor", "coordinator", "administrator", "integration")
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app; like Django's test client, keep the test's transaction open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db):
    """Request headers per role: the dispatch system with its API token, people with a session (and CSRF)."""
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    users = {
        "officer": f.OfficerFactory(organization=station),
        "social_worker": f.SocialWorkerFactory(organization=team),
        "supervisor": f.SupervisorFactory(organization=team.parent),
        "coordinator": f.CoordinatorFactory(organization__district=station.district),
        "administrator": f.AdministratorFactory(),
        "integration": f.UserFactory(role=User.Role.INTEGRATION, organization=None),
    }
    for _ in range(2):
        services.submit_referral(
            actor=users["officer"],
            persons=[({"name": "Fuzz Person", "phone": "0911222333"}, "subject")],
            category="other",
            level=3,
            narrative="Fuzzing",
            incident_at=timezone.now(),
        )
    headers = {"integration": {"Authorization": f"Token {mint_api_token(user=users.pop('integration'))}"}}
    for role, user in users.items():  # API tokens are for integration accounts only
        client = Client()
        client.force_login(user)
        csrf = get_random_string(32)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        headers[role] = {
            "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}; {django_settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
        }
    return headers


def _schema():
    """The schema as /api/schema/ serves it (which needs sign-in outside DEBUG), built without a request."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    return schema


def _operations():
    return [result.ok() for result in _schema().get_all_operations()]


OPERATIONS = {}


def operation_labels():
    """Collected once from the live schema, so a new endpoint is fuzzed without listing it here."""
    if not OPERATIONS:
        OPERATIONS.update({op.label: op for op in _operations()})
    return sorted(OPERATIONS)


@pytest.mark.parametrize("label", operation_labels())
def test_api_operation_never_fails_and_matches_its_schema(credentials, label):
    operation = OPERATIONS[label]
    failures = []
    calls = {"n": 0}

    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for role in ROLES:
            response = case.call(headers=credentials[role])
            calls["n"] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(f"{role}: {case.method} {case.formatted_path} -> {response.status_code}: {exc}")
                return

    run()
    assert calls["n"] > 0
    assert not failures, "\n".join(failures[:5])


# --- crafted input that the generator rarely tries: 400 with a field error, never 500 -----------------
BAD_DATES = ["0000-01-01", "0001-01-01", "9999-12-31", "99999-01-01", "2026-13-45"]
BAD_DATETIMES = ["0000-01-01T00:00", "0001-01-01T00:00", "9999-12-31T23:59", "99999-01-01T00:00", "2026-13-45T10:00"]
GET_FILTERS = [  # (who, url, parameter, values)
    ("supervisor", "/dashboards/", "start", BAD_DATES),
    ("supervisor", "/dashboards/", "end", BAD_DATES),
    ("supervisor", "/dashboards/charts/weekly.svg", "start", BAD_DATES),
    ("supervisor", "/dashboards/charts/hazards.svg", "end", BAD_DATES),
    ("station_head", "/dashboards/", "end", BAD_DATES),
    ("supervisor", "/api/referrals/", "filed_after", BAD_DATETIMES),
    ("supervisor", "/api/referrals/", "filed_before", BAD_DATETIMES),
]


def _people():
    from types import SimpleNamespace

    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    referral = services.submit_referral(
        actor=officer,
        persons=[({"name": "Fuzz Person", "address": "No. 1, Fuzz Rd."}, "subject")],
        category="other",
        level=3,
        narrative="Fuzzing",
        incident_at=timezone.now(),
    )
    return SimpleNamespace(
        officer=officer,
        worker=f.SocialWorkerFactory(organization=team),
        supervisor=f.SupervisorFactory(organization=agency),
        station_head=f.SupervisorFactory(organization=station),
        referral=referral,
    )


def _field_errors(response):
    if response["Content-Type"].startswith("application/json"):
        return set(response.json())
    form = response.context.get("form") if getattr(response, "context", None) else None
    if form is not None:
        return set(form.errors)
    return {line.split(":", 1)[0] for line in response.content.decode().splitlines() if ":" in line}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("who, url, param, value", [(w, u, p, v) for w, u, p, values in GET_FILTERS for v in values])
def test_out_of_range_dates_in_filters_answer_400_with_a_field_error(client, who, url, param, value):
    people = _people()
    client.force_login(getattr(people, who))
    response = client.get(url, {param: value})
    assert response.status_code == 400, (url, param, value, response.status_code)
    assert param in _field_errors(response)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_out_of_range_dates_in_visit_planning_answer_400_and_plan_nothing(client, value):
    from safety.models import HomeVisit

    people = _people()
    client.force_login(people.worker)
    response = client.post(
        reverse("safety:visit_plan", args=[people.referral.pk]),
        {"workers": [people.worker.pk], "planned_start": value, "expected_minutes": 60},
    )
    assert response.status_code == 400
    assert "planned_start" in response.context["form"].errors
    assert not HomeVisit.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, url, param",
    [
        ("supervisor", "/api/referrals/", "q"),
        ("supervisor", "/api/referrals/", "category"),
        ("worker", "/referrals/search/", "q"),
        ("worker", "/referrals/queue/", "page"),
        ("station_head", "/patrols/evaluation/", "period"),
        ("supervisor", "/dashboards/", "category"),
        ("worker", "/api/risk-flags/", "type"),
        ("officer", "/referrals/file/", "origin_reference"),
    ],
)
@pytest.mark.parametrize("value", ["\x00", "abc\x00def"])
def test_a_nul_byte_in_a_query_parameter_answers_400_naming_the_parameter(client, who, url, param, value):
    people = _people()
    client.force_login(getattr(people, who))
    response = client.get(url, {param: value})
    assert response.status_code == 400, (url, param, response.status_code)
    assert param in _field_errors(response)
    assert client.get(url, {f"{param}\x00": "x"}).status_code == 400  # in a parameter's name too
