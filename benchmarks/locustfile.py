"""Load: officers file referrals, workers read their queue and open cases (signed-in sessions on the API).

FastHttpUser: the load generator shares the server's two cores, and locust's plain HttpUser spends
several times more CPU per request. LOAD_WAIT ("0.05-0.25" s) is each user's pause between requests:
with the former 0.2-1.0 s, 50 users could not offer more than about 80 requests a second."""

import json
import os
import random
import uuid

from locust import FastHttpUser, between, events, task

SESSIONS = json.loads(os.environ["LOAD_SESSIONS"])
CSRF = "loadtestcsrftokenloadtestcsrftok"  # 32 characters: the cookie and the header must match


WAIT = between(*(float(x) for x in os.environ.get("LOAD_WAIT", "0.05-0.25").split("-")))


def _sign_in(user, sessions):
    user.auth = {"Cookie": f"sessionid={random.choice(sessions)}; csrftoken={CSRF}", "X-CSRFToken": CSRF}


CREATED = {"ok": 0}
SERVER_ERRORS = {"n": 0}


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    if response is not None and response.status_code >= 500:
        SERVER_ERRORS["n"] += 1


class Officer(FastHttpUser):
    weight = 1
    wait_time = WAIT

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
            headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex},
            name="POST /api/referrals/",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                CREATED["ok"] += 1
            else:
                response.failure(f"status {response.status_code}")


class Worker(FastHttpUser):
    weight = 3
    wait_time = WAIT

    def on_start(self):
        _sign_in(self, SESSIONS["workers"])
        self.ids = []

    @task(3)
    def read_queue(self):
        response = self.client.get(
            "/api/referrals/?status=submitted&status=acknowledged", headers=self.auth, name="GET queue"
        )
        if response.status_code == 200:
            self.ids = [r["id"] for r in response.json()["results"]] or self.ids

    @task(2)
    def open_case(self):
        if self.ids:
            self.client.get(
                f"/api/referrals/{random.choice(self.ids)}/", headers=self.auth, name="GET /api/referrals/{id}/"
            )


@events.quitting.add_listener
def _summary(environment, **kw):
    path = os.environ.get("LOAD_SUMMARY")
    if path:
        with open(path, "w") as fh:
            json.dump({"created_ok": CREATED["ok"], "server_errors": SERVER_ERRORS["n"]}, fh)
