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
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from referrals import services
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
ROLES = ("officer", "social_worker", "supervisor", "coordinator", "administrator")
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
def tokens(db):
    station = f.StationFactory()
    team = f.TeamFactory(district=station.district)
    StationTeamMatchFactory(station=station, team=team)
    users = {
        "officer": f.OfficerFactory(organization=station),
        "social_worker": f.SocialWorkerFactory(organization=team),
        "supervisor": f.SupervisorFactory(organization=team.parent),
        "coordinator": f.CoordinatorFactory(organization__district=station.district),
        "administrator": f.AdministratorFactory(),
    }
    for _ in range(2):
        services.submit_referral(
            users["officer"],
            persons=[({"name": "Fuzz Person", "phone": "0911222333"}, "subject")],
            category="other",
            level=3,
            narrative="Fuzzing",
            incident_at=timezone.now(),
        )
    return {role: Token.objects.create(user=user).key for role, user in users.items()}


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
def test_api_operation_never_fails_and_matches_its_schema(tokens, label):
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
            response = case.call(headers={"Authorization": f"Token {tokens[role]}"})
            calls["n"] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(f"{role}: {case.method} {case.formatted_path} -> {response.status_code}: {exc}")
                return

    run()
    assert calls["n"] > 0
    assert not failures, "\n".join(failures[:5])
