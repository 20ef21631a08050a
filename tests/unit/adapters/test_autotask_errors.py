"""How Autotask's answers become port errors (INT-6, INT-7): its ``{"errors": [...]}`` bodies
arrive as HTTP 500 both for a refusal and for a busy database, and only the second is retried."""

from __future__ import annotations

import httpx
import pytest

from adapters.vendors.autotask.client import decode
from application.integrations.ports import VendorRejected, VendorUnavailable


def _answer(status: int, *errors: str) -> httpx.Response:
    request = httpx.Request("PATCH", "https://webservices1.autotask.net/atservicesrest/v1.0/X")
    return httpx.Response(status, json={"errors": list(errors)}, request=request)


@pytest.mark.parametrize(
    "error",
    [
        "Timeout expired.  The timeout period elapsed prior to completion of the operation.",
        "Execution Timeout Expired.",
        "The request timed out",
        "Transaction (Process ID 57) was deadlocked on lock resources with another process and "
        "has been chosen as the deadlock victim. Rerun the transaction.",
    ],
)
def test_a_500_saying_timeout_or_deadlock_is_transient_and_retried_int_6(error: str) -> None:
    with pytest.raises(VendorUnavailable) as caught:
        decode(_answer(500, error), "PATCH Opportunities")

    assert caught.value.message == error
    assert caught.value.status == 500


def test_any_other_500_with_errors_is_a_rejection_with_the_vendors_words_int_7() -> None:
    with pytest.raises(VendorRejected) as caught:
        decode(
            _answer(500, "ownerResourceID: there is no Resource with id 7", "title: required"),
            "POST Opportunities",
        )

    assert (
        caught.value.message == "ownerResourceID: there is no Resource with id 7 / title: required"
    )
    assert caught.value.status == 500
