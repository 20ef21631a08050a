"""/health, the OpenAPI document and its UI: public, and correct; /metrics for the scraper."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from tests.conftest import settings_for
from tests.e2e.conftest import Client, TenantKeys

SCRAPER = "scraper-token-0123456789"


async def test_health_reports_the_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_document_is_valid_and_documents_the_api(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert {"/v1/organizations", "/v1/contacts", "/v1/api-keys"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    create = document["paths"]["/v1/organizations"]["post"]
    assert create["requestBody"]["required"] is True


async def test_interactive_docs_are_served(client: Client) -> None:
    response = await client.get("/schema")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


async def test_metrics_count_requests_in_prometheus_text(
    database_url: str, acme: TenantKeys
) -> None:
    container = build_container(settings_for(database_url, metrics_token=SCRAPER))
    async with AsyncTestClient(create_app(container)) as client:
        await client.get("/v1/organizations", headers=acme.headers())
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPER}"})
        for refused in ({}, acme.headers(), {"Authorization": "Bearer wrong"}):
            assert (await client.get("/metrics", headers=refused)).status_code == 401
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'q2c_requests_total{app_name="q2c",method="GET",path="/v1/organizations"' in (
        response.text
    )


async def test_every_response_carries_a_request_id(client: Client) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "trace-me-123"})
    assert response.headers["x-request-id"] == "trace-me-123"
    assert len((await client.get("/health")).headers["x-request-id"]) == 32


async def test_metrics_are_not_public(client: Client) -> None:
    """Without Q2C_METRICS_TOKEN only the machine itself is answered (the test client is not)."""
    response = await client.get("/metrics")
    assert response.status_code == 401
    assert "q2c_requests_total" not in response.text
