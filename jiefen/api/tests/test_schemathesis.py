"""The API fuzzed against its own OpenAPI document with Schemathesis: for every operation, a
bounded number of generated requests (valid and invalid) with a live token must get no 5xx,
answers that conform to the document (status codes, content types, bodies), refusals of
invalid data, and authentication that is really enforced; without credentials every operation
answers 401 (the REST API has no public operation; the public doors are the portal and
Open311). A stateful run follows the document's links (register → accept → transfer).

Valid data (by the document) is never called invalid: it may be refused only for what a
document cannot know — the dispute's state (409), the token's jurisdiction and roles (403,
404), or a fact in the data named in the document's descriptions (DATA_DEPENDENT: a region or
department that must exist in the jurisdiction, an ID number's check digit, a session not
before the registration, a filter's end not before its start, an idempotency key reused).
"""

import importlib
import os
import re

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiefen.api.models import ApiToken
from jiefen.api.rest import api
from jiefen.api.tests.conftest import ApiClient, payload
from jiefen.api.tokens import token_digest
from jiefen.disputes.models import Dispute
from jiefen.wsgi import application

SEEDED_CATEGORIES = importlib.import_module("jiefen.disputes.migrations.0002_categories").CATEGORIES

# The suite's bounded run. The deeper run (bench/fuzz_api.sh) raises the count and adds the
# coverage phase, which walks every boundary of every parameter.
MAX_EXAMPLES = int(os.environ.get("JIEFEN_FUZZ_EXAMPLES", "10"))
DEEP = MAX_EXAMPLES > 10

# Fields whose refusal (422) depends on data the document cannot list (see the docstring).
DATA_DEPENDENT = re.compile(
    r"^(region|department|parties\.\d+\.id_number|held_on|registered_to|Idempotency-Key)$"
)


@schemathesis.check
def valid_data_is_not_called_invalid(ctx, response, case):
    """What the document admits is not refused as invalid (422), but for DATA_DEPENDENT."""
    if not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    fields = set(response.json().get("fields") or {})
    if response.json().get("code") == "idempotency_mismatch":
        return None
    wrong = sorted(f for f in fields if not DATA_DEPENDENT.match(f))
    if wrong or not fields:
        raise AssertionError(f"valid data refused as invalid: {response.text}")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    valid_data_is_not_called_invalid,
]

# A fixed token, made live for each test by the `dispute` fixture. Given to Schemathesis as
# the document's security scheme, so it knows which header carries the credentials.
FUZZ_TOKEN = "jf_schemathesis-fuzz-token"


def config(*, stateful: bool = False, token: bool = True):
    auth = {"auth": {"openapi": {"TokenAuth": {"bearer": FUZZ_TOKEN}}}} if token else {}
    return schemathesis.Config.from_dict(
        auth
        | {
            "headers": {"Host": "localhost"},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"}
            # The chain follows valid requests; invalid ones are fuzzed operation by operation.
            | ({"mode": "positive"} if stateful else {}),
            # The coverage phase enumerates every boundary of every parameter: hundreds of
            # requests per operation, too many for the suite; there the fuzzing phase samples
            # them.
            "phases": {"coverage": {"enabled": DEEP}, "stateful": {"enabled": stateful}},
        }
    )


@pytest.fixture
def dispute(world, village_clerk):
    """FUZZ_TOKEN as a live token of 枫一社区's clerk, and a dispute in her village."""
    ApiToken.objects.create(
        user=village_clerk,
        body=world.bodies["枫一社区"],
        name="fuzz",
        digest=token_digest(FUZZ_TOKEN),
    )
    created = ApiClient(FUZZ_TOKEN).post("/disputes", payload())
    assert created.status_code == 201
    return Dispute.objects.get(pk=created.json()["id"])


def _document():
    """The document as the server gives it for the categories the migrations seed (each
    test's database); test_openapi.py checks that the served one follows the database."""
    return api.document([(key, True) for key, _name in SEEDED_CATEGORIES])


def _load(**options):
    loaded = schemathesis.openapi.from_dict(_document(), config=config(**options))
    loaded.app = application
    return loaded


schema = _load()


def aim(case, dispute):
    """Aim valid requests at the real dispute, at its current version, in the clerk's own
    village, so that they reach the services rather than stop at 404 or 409."""
    if not case.meta.generation.mode.is_positive:
        return
    dispute.refresh_from_db()
    if "ref" in (case.path_parameters or {}):
        case.path_parameters["ref"] = str(dispute.pk)
    if isinstance(case.body, dict):
        if "version" in case.body:
            case.body["version"] = dispute.version
        if "region" in case.body:
            case.body["region"] = dispute.region_code


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_survives_generated_requests(case, dispute, keep_connection):
    aim(case, dispute)
    case.call_and_validate(checks=CHECKS)


def test_a_stateful_client_follows_the_links_register_accept_transfer(dispute, keep_connection):
    """Schemathesis chains operations by the document's links: a registration's id and
    version feed an accept, whose answer feeds a transfer; every step is checked."""
    # The operations of the chain only, so that a bounded run reaches its end; every
    # operation alone is fuzzed above.
    stateful = _load(stateful=True).include(
        path_regex=r"^/api/v1/disputes(/\{ref\}/actions/(accept|transfer))?$"
    )
    seen = []

    class Workflow(stateful.as_state_machine()):
        # Each scenario starts from the same database: what one scenario wrote would change
        # the answers (and so the rules Hypothesis may draw) of the next.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {FUZZ_TOKEN}"}}

        def before_call(self, case):
            # A registration in the clerk's own village, so the chain has a dispute to follow.
            if case.operation.label == "POST /api/v1/disputes" and isinstance(case.body, dict):
                case.body["region"] = dispute.region_code

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            seen.append((case.operation.label, response.status_code))
            assert response.status_code < 500, response.text
            case.validate_response(
                response,
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

    Workflow.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    accepted = [status for label, status in seen if label.endswith("/actions/accept")]
    transferred = [status for label, status in seen if label.endswith("/actions/transfer")]
    assert 200 in accepted, seen
    assert 200 in transferred, seen


def _cases_without_credentials():
    bare = _load(token=False)
    for result in bare.get_all_operations():
        operation = result.ok()
        path_parameters = {"ref": "1"} if "{ref}" in operation.path else {}
        yield pytest.param(
            operation, path_parameters, id=f"{operation.method.upper()} {operation.path}"
        )


@pytest.mark.parametrize(("operation", "path_parameters"), list(_cases_without_credentials()))
def test_it_answers_401_without_credentials(operation, path_parameters, world, keep_connection):
    extra = {"body": {"version": 1}} if operation.method == "post" else {}
    case = operation.Case(path_parameters=path_parameters, **extra)
    response = case.call()
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])
