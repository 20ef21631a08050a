"""A schemathesis run over the OpenAPI document: no 5xx, no answer the document does not promise.

Bounded (a few examples per operation, a fixed seed), with an admin key over the staff API and
a portal token over the portal, against the hub served over HTTP with its vendor sandboxes: on
SQLite in the suite, and on PostgreSQL too with ``Q2C_FUZZ_POSTGRES=1`` (the PostgreSQL text
rules are held by ``test_request_edge`` on both). Its phases: the document's examples, coverage
of each schema's edges, random fuzzing, and stateful sequences following the document's links
(create, then read, change, act).

Revoking a key is left out of the staff run: the fuzzer would revoke the key it runs with
(``GET /v1/api-keys`` links to it); the e2e tests cover revoking. Business refusals of
schema-valid data (422, a rule) are answers, not failures, so schemathesis's
``positive_data_acceptance`` check is not run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.integrations.connections import ConnectSystem
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId
from domain.identity.access import Role
from domain.shared.ids import new_id
from entrypoints.containers import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.sandboxes import SANDBOXES, sandbox_handlers
from tests.conftest import settings_for
from tests.e2e.conftest import TenantKeys
from tests.support.factories import NOW, organization
from tests.support.servers import serve_asgi

EXAMPLES = 2  # per operation and phase
# SQLite in the suite; both databases when asked (the run takes about 40 s on each).
pytestmark = [pytest.mark.both_databases] if os.environ.get("Q2C_FUZZ_POSTGRES") == "1" else []
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
    ]
)
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def hub(database_url: str) -> Iterator[str]:
    container = build_container(settings_for(database_url))
    with serve_asgi(create_app(container, sandbox_handlers({}))) as base:
        yield base


async def _portal_token(container: Container, tenant: TenantKeys) -> str:
    async with container.persistence.uow()(tenant.tenant_id) as uow:
        org = organization(tenant.tenant_id, "Fuzzed Customer")
        await uow.organizations.add(org)
        await uow.commit()
    async with container.persistence.uow()(tenant.tenant_id) as uow:
        contact = Contact(
            id=ContactId(new_id()),
            tenant_id=tenant.tenant_id,
            organization_id=org.id,
            profile=ContactProfile(first_name="Fuzz", last_name="Tester"),
            now=NOW,
        )
        await uow.contacts.add(contact)
        await uow.commit()
    issued = await container.identity.issue_portal_token()(tenant.tenant_id, contact.id)
    token: str = issued.plaintext
    return token


def fuzz(base: str, key: str, report: Path, *paths: str) -> dict[str, Any]:
    """One schemathesis run; its JSON report."""
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base}/schema/openapi.json",
        f"--header=Authorization: Bearer {key}",
        f"--max-examples={EXAMPLES}",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--checks={CHECKS}",
        "--seed=12",
        "--no-shrink",
        "--request-timeout=60",
        "--report=json",
        f"--report-json-path={report}",
        *paths,
    ]
    run = subprocess.run(  # in its own folder: schemathesis keeps a cache where it runs
        command, capture_output=True, text=True, timeout=900, check=False, cwd=report.parent
    )
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    found: dict[str, Any] = json.loads(report.read_text())
    found["output"] = run.stdout
    return found


async def test_the_api_holds_to_its_document_under_a_fuzzer(
    hub: str, acme: TenantKeys, container: Container, tmp_path: Path
) -> None:  # INT-1, PAY-15, MON-1, MON-2 are among the refusals it meets
    connect: ConnectSystem = container.integrations.connect_system()
    for sandbox in SANDBOXES:
        await connect(acme.tenant_id, sandbox.connection(hub))
    token = await _portal_token(container, acme)

    # The portal first: the staff run may deactivate the token's contact or organization.
    portal = fuzz(hub, token, tmp_path / "portal.json", "--include-path-regex=^/portal/")
    staff = fuzz(
        hub,
        acme.keys[Role.ADMIN],
        tmp_path / "staff.json",
        "--exclude-path-regex=^/portal/|/revoke$",
    )

    for run in (staff, portal):
        failures = run["output"].split("FAILURES")[-1][:4000]
        assert run["test_cases"]["with_failures"] == 0, failures
        assert run["errors"] == [], run["errors"]
        assert run["operations"]["tested"] > 0
    assert staff["operations"]["tested"] >= 60
    assert portal["operations"]["tested"] >= 6
