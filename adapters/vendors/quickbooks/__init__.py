"""QuickBooks Online: the accounting system, over its Accounting API v3 and Intuit OAuth 2."""
