"""A local QuickBooks Online Accounting API v3 and Intuit token endpoint."""
