"""The load run's users (locust), started by bench/load.py; not for use on its own.

Each user logs in with its own account (the right password: django-axes locks out
after failures) and works in its own förbund, so that no two users save the same
budget (a version conflict, 409, would count as an error). Then, thinking between
requests (BENCH_THINK_MIN to BENCH_THINK_MAX seconds, set by bench/load.py's
profile), round after round: the plan page, the budget page, the
budget editor (grid), and a save of the grid with one amount changed, which
redirects back to the grid as in a browser.

The client plays the TLS-terminating proxy of a production setup (see
bench/settings.py): `X-Forwarded-Proto: https`, and an Origin header on posts as a
browser sends. The session and CSRF cookies are Secure, which a browser sends over
its https to the proxy; the cookie jar here would keep them from loopback http, so
each cookie's Secure mark is cleared in the client's own jar once received.

Every request's timing goes to BENCH_SAMPLES (JSON lines), and bench/load.py
computes the percentiles from them, exactly, rather than from locust's rounded
buckets. The users come from BENCH_USERS (a JSON file: username, slug, year).
"""

from __future__ import annotations

import itertools
import json
import os
import time

from locust import HttpUser, SequentialTaskSet, between, events, task

from bench.browser import change_an_amount, csrf_token, form_fields

USERS = json.loads(open(os.environ["BENCH_USERS"], encoding="utf-8").read())  # noqa: SIM115
PASSWORD = os.environ["BENCH_PASSWORD"]
_next_user = itertools.count()
_samples = open(os.environ["BENCH_SAMPLES"], "w", encoding="utf-8")  # noqa: SIM115


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, start_time=None, **kw):
    response = kw.get("response")
    _samples.write(
        json.dumps(
            {
                "name": name,
                "start": start_time
                if start_time is not None
                else time.time() - response_time / 1000,
                "ms": response_time,
                "ok": exception is None,
                "status": getattr(response, "status_code", None),
                "error": None if exception is None else str(exception)[:200],
            }
        )
        + "\n"
    )


@events.spawning_complete.add_listener
def _spawned(user_count, **kw):
    _samples.write(
        json.dumps({"event": "spawning_complete", "at": time.time(), "users": user_count}) + "\n"
    )


@events.quitting.add_listener
def _close(**kw):
    _samples.flush()


class Rounds(SequentialTaskSet):
    @task
    def plan_page(self) -> None:
        self.user.get(self.user.plan_url, "plan_page")

    @task
    def budget_page(self) -> None:
        self.user.get(self.user.budget_url, "budget_page")

    @task
    def edit_and_save(self) -> None:
        user = self.user
        html = user.get(user.grid_url, "budget_grid")
        if html is None:
            return
        fields = form_fields(html, "budget-grid")
        if not fields:
            return
        change_an_amount(fields, user.round_no)
        user.round_no += 1
        fields.append(["action", "save"])
        self.wait()  # typing
        with user.client.post(
            user.save_url,
            data=fields,
            name="budget_save",
            allow_redirects=False,
            headers={"Origin": user.origin, "Referer": user.origin + user.grid_url},
            catch_response=True,
        ) as response:
            user.received()
            if response.status_code == 302 and response.headers.get("Location", "").endswith(
                user.grid_url
            ):
                response.success()
            else:
                response.failure(f"status {response.status_code}")
                return
        user.get(user.grid_url, "budget_grid")  # the redirect, as a browser follows it


class BenchUser(HttpUser):
    wait_time = between(
        float(os.environ.get("BENCH_THINK_MIN") or 5),
        float(os.environ.get("BENCH_THINK_MAX") or 10),
    )
    tasks = [Rounds]

    def on_start(self) -> None:
        started = next(_next_user)
        account = USERS[started % len(USERS)]
        self.origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.client.headers["X-Forwarded-Proto"] = "https"
        slug, year = account["slug"], account["year"]
        self.plan_url = f"/f/{slug}/plan/{year}/"
        self.budget_url = f"/f/{slug}/budget/{year}/"
        self.grid_url = f"/f/{slug}/budget/{year}/rutnat/"
        self.save_url = f"/f/{slug}/budget/{year}/rutnat/spara/"
        self.round_no = 0
        html = self.get("/logga-in/", "login_page")
        with self.client.post(
            "/logga-in/",
            data={
                "username": account["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(html or ""),
            },
            headers={"Origin": self.origin, "Referer": self.origin + "/logga-in/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"login: status {response.status_code}")
        self.received()
        # The second factor (a förbundschef must): a backup code of this run, one per
        # start of the user; codes[0] is the idle run's (bench/load.py).
        codes = account["codes"]
        html = self.get("/tvastegsverifiering/kod/", "login_code_page")
        with self.client.post(
            "/tvastegsverifiering/kod/",
            data={
                "code": codes[1 + (started // len(USERS)) % (len(codes) - 1)],
                "csrfmiddlewaretoken": csrf_token(html or ""),
            },
            headers={"Origin": self.origin, "Referer": self.origin + "/tvastegsverifiering/kod/"},
            name="login_code",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/tvastegsverifiering/" not in response.headers.get(
                "Location", ""
            ):
                response.success()
            else:
                response.failure(f"login code: status {response.status_code}")
        self.received()

    def received(self) -> None:
        """The https the proxy would give: Secure cookies go back over loopback http."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, name: str) -> str | None:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self.received()
            if response.status_code == 200:
                response.success()
                return response.text
            response.failure(f"status {response.status_code}")
            return None
