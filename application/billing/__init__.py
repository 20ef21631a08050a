"""Billing use cases: invoices from the PSA, payments through the gateway, accounting sync."""
