"""The invoice PDF QuickBooks Online serves at ``GET /v3/company/{realm}/invoice/{id}/pdf``.

A real, small PDF (one page, Helvetica, PDF 1.4 with its cross-reference table) of the invoice
as the sandbox holds it: enough for a reader to open and for a test to read its text back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def invoice_pdf(invoice: Mapping[str, Any], company_name: str) -> bytes:
    customer = invoice.get("CustomerRef") or {}
    lines = [
        (16, company_name),
        (20, f"INVOICE {invoice.get('DocNumber', '')}"),
        (11, f"Bill to: {customer.get('name') or customer.get('value', '')}"),
        (11, f"Date: {invoice.get('TxnDate', '')}   Due: {invoice.get('DueDate', '')}"),
        (11, f"Total: {invoice.get('TotalAmt', '')}   Balance due: {invoice.get('Balance', '')}"),
        (9, "Issued by QuickBooks Online (sandbox)"),
    ]
    text = ["BT"]
    y = 760
    for size, line in lines:
        text.append(f"/F1 {size} Tf 1 0 0 1 56 {y} Tm ({_escaped(line)}) Tj")
        y -= size + 14
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _escaped(line: str) -> str:
    kept = line.encode("latin-1", "replace").decode("latin-1")
    return kept.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
