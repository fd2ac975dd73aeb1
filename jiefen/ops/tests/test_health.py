import json

import pytest
from django.db import OperationalError, ProgrammingError, connection
from django.test.utils import CaptureQueriesContext

from jiefen.ops import views

pytestmark = pytest.mark.django_db


def test_it_answers_live_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_ready_when_database_and_task_queue_answer(client):
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["task_queue"]["ok"] is True


def test_it_never_counts_rows(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz/ready")
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "COUNT(" not in sql
    assert len(queries.captured_queries) <= 2


def test_it_answers_503_when_the_task_queue_table_is_missing(client, monkeypatch):
    def missing():
        raise ProgrammingError('relation "django_tasks_database_dbtaskresult" does not exist')

    monkeypatch.setattr(views, "_task_queue", missing)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["task_queue"] == {"ok": False, "error": "ProgrammingError"}
    # The error's text (table names, hosts, passwords in a DSN) is not given away.
    assert "relation" not in response.content.decode()


def test_it_answers_503_when_the_database_is_down(client, monkeypatch):
    def down():
        raise OperationalError("could not connect to server at 10.0.0.5 password=secret")

    monkeypatch.setattr(views, "_database", down)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": {"ok": False, "error": "OperationalError"},
        "task_queue": {"ok": False},
    }
    assert "secret" not in response.content.decode()


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/healthz/ready").status_code == 405


def test_it_says_nothing_about_disputes_or_people(client, world):
    body = json.dumps(client.get("/healthz/ready").json())
    assert set(json.loads(body)) == {"status", "checks"}
    assert set(json.loads(body)["checks"]) == {"database", "task_queue"}
