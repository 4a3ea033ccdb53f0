"""Load: officers file referrals, workers read their queue and open cases (signed-in sessions on the API)."""

import json
import os
import random
import uuid

from locust import HttpUser, between, events, task

SESSIONS = json.loads(os.environ["LOAD_SESSIONS"])
CSRF = "loadtestcsrftokenloadtestcsrftok"  # 32 characters: the cookie and the header must match


def _sign_in(user, sessions):
    user.client.cookies.set("sessionid", random.choice(sessions))
    user.client.cookies.set("csrftoken", CSRF)
    user.client.headers["X-CSRFToken"] = CSRF


CREATED = {"ok": 0}
SERVER_ERRORS = {"n": 0}


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    if response is not None and response.status_code >= 500:
        SERVER_ERRORS["n"] += 1


class Officer(HttpUser):
    weight = 1
    wait_time = between(0.2, 1.0)

    def on_start(self):
        _sign_in(self, SESSIONS["officers"])

    @task
    def file_referral(self):
        body = {
            "category": "family_conflict",
            "level": random.choice([1, 2, 3]),
            "incident_at": "2026-11-22T10:00:00+08:00",
            "narrative": "Load test referral",
            "persons": [{"role": "subject", "name": "Load Person", "phone": f"09{random.randrange(10**8):08d}"}],
        }
        with self.client.post(
            "/api/referrals/",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name="POST /api/referrals/",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                CREATED["ok"] += 1
            else:
                response.failure(f"status {response.status_code}")


class Worker(HttpUser):
    weight = 3
    wait_time = between(0.2, 1.0)

    def on_start(self):
        _sign_in(self, SESSIONS["workers"])
        self.ids = []

    @task(3)
    def read_queue(self):
        response = self.client.get("/api/referrals/?status=submitted&status=acknowledged", name="GET queue")
        if response.status_code == 200:
            self.ids = [r["id"] for r in response.json()["results"]] or self.ids

    @task(2)
    def open_case(self):
        if self.ids:
            self.client.get(f"/api/referrals/{random.choice(self.ids)}/", name="GET /api/referrals/{id}/")


@events.quitting.add_listener
def _summary(environment, **kw):
    path = os.environ.get("LOAD_SUMMARY")
    if path:
        with open(path, "w") as fh:
            json.dump({"created_ok": CREATED["ok"], "server_errors": SERVER_ERRORS["n"]}, fh)
