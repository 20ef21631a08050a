"""Accounting systems the hub keeps invoices and payments in (QuickBooks Online)."""
