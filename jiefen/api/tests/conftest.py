"""API clients for the named people: a token for a person in one body, and a small client that
sends JSON with it."""

import json

import pytest
from django.test import Client

from jiefen.api.tokens import token_create
from jiefen.org.models import Body, BodyKind, DepartmentType, Role

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    """Rate-limit counters live in the cache (a database table in the settings, a process's
    memory elsewhere); each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def keep_connection():
    """Schemathesis calls the WSGI application directly, and Django closes the connection at
    the end of each request — inside a test's transaction, the test's own connection. Django's
    test client avoids that the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Django's test client reconnects these after each of its requests: use it before this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class ApiClient:
    """Requests to /api/v1 with `Authorization: Bearer <token>` (or none), JSON in and out."""

    def __init__(self, token: str | None = None, language: str = "zh-hans") -> None:
        self.client = Client(HTTP_HOST="localhost")
        self.token = token
        self.language = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers | (extra or {})

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, data=None, headers: dict | None = None, raw: str | None = None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(
            API + path, body, content_type="application/json", headers=self._headers(headers)
        )


@pytest.fixture
def token_for(world):
    """token_for(user, "枫一社区") → a live token of `user` scoped to that body."""

    def make(user, body_name: str, name: str = "测试") -> str:
        _token, raw = token_create(user=user, body=world.bodies[body_name], name=name)
        return raw

    return make


@pytest.fixture
def api_as(token_for):
    """api_as(user, "枫一社区") → an ApiClient with a token of `user` in that body."""

    def make(user, body_name: str, language: str = "zh-hans") -> ApiClient:
        return ApiClient(token_for(user, body_name), language=language)

    return make


@pytest.fixture
def anonymous():
    return ApiClient()


@pytest.fixture
def clerk_api(api_as, village_clerk):
    """枫一社区's clerk, through a token scoped to her village group."""
    return api_as(village_clerk, "枫一社区")


@pytest.fixture
def village_head(world):
    return world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)


@pytest.fixture
def town_department(world):
    body = Body.objects.create(
        kind=BodyKind.DEPARTMENT,
        name="枫桥自然资源所",
        region=world.regions["枫桥镇"],
        department_type=DepartmentType.objects.get(key="land"),
    )
    world.bodies[body.name] = body
    return body


@pytest.fixture
def town_department_clerk(world, town_department):
    return world.person("clerk_fengqiao_land", "吴海波", town_department.name, Role.CLERK)


def payload(**overrides):
    """A registration in 枫一社区 with an applicant and a respondent."""
    data = {
        "category": "neighbourhood",
        "channel": "walk_in",
        "region": 330681109008,
        "title": "宅基地边界争议",
        "description": "两户因院墙位置发生争执。",
        "people_involved": 2,
        "parties": [
            {
                "side": "applicant",
                "name": "张三",
                "phone": "13812345678",
                "id_number": "330681199001011237",
            },
            {"side": "respondent", "name": "李四"},
        ],
    }
    return data | overrides
