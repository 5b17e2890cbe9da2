"""Property-based requests from the OpenAPI spec (schemathesis): no server errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from .conftest import Api  # noqa: E402


@pytest.fixture
def api_schema(make_api: Callable[..., Api]) -> Any:
    api = make_api()
    pytest.admin_headers = api.as_(api.admin_token)  # type: ignore[attr-defined]
    return schemathesis.openapi.from_asgi("/openapi.json", api.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.serializer("application/x-cairn-chunks")
def _chunk_pack(_ctx: Any, value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_makes_the_server_fail(case: Any) -> None:
    from schemathesis.checks import not_a_server_error

    if case.path.endswith("/events/stream"):
        pytest.skip("an endless stream; covered by the end-to-end tests")
    case.call_and_validate(headers=pytest.admin_headers, checks=[not_a_server_error])  # type: ignore[attr-defined]
