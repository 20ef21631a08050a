"""A quote accepted online in the client portal (PAY-14, QUO-4): who typed their name, when,
from where, and which document they saw (the SHA-256 of the PDF shown to them).

Its time is UTC, and so is its day (``utc_day``): the day the quote's expiry is checked
against and the day its PDF says it was issued, whatever zone a clock answers in.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import NewType
from uuid import UUID

from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.quotes.quote import QuoteId
from domain.shared.errors import DomainError
from domain.shared.events import Aggregate
from domain.shared.text import required_text
from domain.shared.time import utc_day

QuoteAcceptanceId = NewType("QuoteAcceptanceId", UUID)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class QuoteAcceptance(Aggregate):
    def __init__(
        self,
        *,
        id: QuoteAcceptanceId,
        tenant_id: TenantId,
        quote_id: QuoteId,
        contact_id: ContactId,
        signed_name: str,
        agreed_to_terms: bool,
        ip_address: str,
        pdf_sha256: str,
        accepted_at: datetime,
    ) -> None:
        if not agreed_to_terms:
            raise DomainError(
                "accepting a quote needs its terms agreed to",
                code="terms_not_agreed",
                field="terms",
            )
        if not _SHA256.fullmatch(pdf_sha256):
            raise DomainError("the document's hash is not a SHA-256", field="pdf_sha256")
        self.id = id
        self.tenant_id = tenant_id
        self.quote_id = quote_id
        self.contact_id = contact_id
        self.signed_name = required_text(signed_name, "name", 100)
        self.ip_address = ip_address[:64]
        self.pdf_sha256 = pdf_sha256
        utc_day(accepted_at)  # aware, or refused
        self.accepted_at = accepted_at.astimezone(UTC)

    @property
    def accepted_on(self) -> date:
        """The UTC day of the acceptance."""
        return utc_day(self.accepted_at)
