"""Schemathesis over the whole API: generated requests find no server error and no response
that breaks the published schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saferisk.core.services import api_token_create

pytestmark = [pytest.mark.xdist_group("schemathesis"), pytest.mark.slow]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def _keep_test_connection() -> Any:
    """Like Django's test client: calling the WSGI app directly would otherwise close the test
    transaction's connection after every request (request_finished → close_old_connections)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(world: Any) -> dict[str, str]:
    _, key = api_token_create(actor=None, user=world.county_regulator)
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("_keep_test_connection")
def test_api_has_no_server_errors(case: Any, auth_headers: dict[str, str]) -> None:
    # What this test promises: no server error, and every response (status, content type,
    # body) as the published schema says. Schemathesis 4 also runs input-acceptance checks by
    # default (a 422 to any schema-valid request, a 200 to a schema-violating one); business
    # rules no schema states (a value not on the LEC scale, a stale cursor) answer 422 by
    # design, so those checks are left to the hardening work (issue 7).
    case.call_and_validate(
        headers=auth_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
