"""Billing: invoices, payments and payment methods (SPEC PAY-1..15)."""
