"""Schemathesis against the OpenAPI schema: a fixed budget of generated requests to every
operation of a trained shop, with a key of every scope, and not one server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.schemas import BaseSchema

from shopmind.api import create_app
from tests.api.trained import trained_shop

ADMIN = {"X-API-Key": "a"}
EXAMPLES_PER_OPERATION = 15


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    configured, _, _ = trained_shop(
        Path(tmp_path_factory.mktemp("fuzzed-shop")),
        None,
        seed=8,
        api_keys="admin:a",
        n_customers=120,
        n_products=40,
        days=150,
    )
    app = create_app(configured.model_copy(update={"assistant_secret": "fuzz-secret"}))
    with TestClient(app):  # runs the lifespan: the store opens and the models load
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_operation_answers_with_a_server_error(api_schema: BaseSchema) -> None:
    failures: list[str] = []
    calls = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            try:
                response = case.call(headers=ADMIN)
            except Exception as error:  # the in-process client raises what the app did not catch
                failures.append(f"{case.method} {case.formatted_path} raised {error!r}")
                return
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        call()
    assert calls >= 10 * EXAMPLES_PER_OPERATION, f"only {calls} requests were generated"
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(sorted(set(failures))[:40])
