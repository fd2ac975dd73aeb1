"""The API fuzzed against its own OpenAPI document with Schemathesis: for every operation, a
bounded number of generated requests (valid and invalid) with a live token must get no 5xx,
answers that conform to the document (status codes, content types, bodies), refusals of
invalid data, and authentication that is really enforced; without credentials every operation
answers 401 (the REST API has no public operation; the public doors are the portal and
Open311).

Not checked: `positive_data_acceptance` — input the schema allows may still be refused by the
services' rules (an unknown category key, a region outside the token's jurisdiction, a move the
table does not allow), with 4xx and a stable code, which is right.
"""

import os

import pytest
import schemathesis
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
from jiefen.api.tests.conftest import ApiClient, payload
from jiefen.api.tokens import token_digest
from jiefen.disputes.models import Dispute
from jiefen.wsgi import application

# The suite's bounded run. The deeper run (bench/fuzz_api.sh) raises the count and adds the
# coverage phase, which walks every boundary of every parameter.
MAX_EXAMPLES = int(os.environ.get("JIEFEN_FUZZ_EXAMPLES", "10"))
DEEP = MAX_EXAMPLES > 10

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]

# A fixed token, made live for each test by the `credentials` fixture. Given to Schemathesis as
# the document's security scheme, so it knows which header carries the credentials.
FUZZ_TOKEN = "jf_schemathesis-fuzz-token"

CONFIG = schemathesis.Config.from_dict(
    {
        "auth": {"openapi": {"TokenAuth": {"bearer": FUZZ_TOKEN}}},
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        # The coverage phase enumerates every boundary of every parameter: hundreds of
        # requests per operation, too many for the suite; there the fuzzing phase samples them.
        "phases": {"coverage": {"enabled": DEEP}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


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


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_survives_generated_requests(case, dispute, keep_connection):
    if case.meta.generation.mode.is_positive and "ref" in (case.path_parameters or {}):
        # Aim valid requests at the real dispute, at its current version, so that they reach
        # the services rather than stop at 404 or 409.
        dispute.refresh_from_db()
        case.path_parameters["ref"] = str(dispute.pk)
        if isinstance(case.body, dict) and "version" in case.body:
            case.body["version"] = dispute.version
    case.call_and_validate(headers={"Host": "localhost"}, checks=CHECKS)


def _cases_without_credentials():
    for result in schema.get_all_operations():
        operation = result.ok()
        path_parameters = {"ref": "1"} if "{ref}" in operation.path else {}
        yield pytest.param(
            operation, path_parameters, id=f"{operation.method.upper()} {operation.path}"
        )


@pytest.mark.parametrize(("operation", "path_parameters"), list(_cases_without_credentials()))
def test_it_answers_401_without_credentials(operation, path_parameters, world, keep_connection):
    extra = {"body": {"version": 1}} if operation.method == "post" else {}
    case = operation.Case(path_parameters=path_parameters, headers={"Host": "localhost"}, **extra)
    response = case.call()
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])
