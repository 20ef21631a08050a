"""What the hub and QuickBooks Online's API say to each other, shared with the sandbox.

From Intuit's documentation of the Accounting API v3 (``contracts/README.md``): the minor
version every call names, the limits of a request id and of a payment's reference, the Fault
codes the hub acts on, and how a voided transaction reads.
"""

from __future__ import annotations

MINOR_VERSION = 75  # sent with every call; older minor versions are no longer served
REQUEST_ID_MAX = 50  # characters of ``?requestid=``
PAYMENT_REF_MAX = 21  # characters QBO keeps of a PaymentRefNum
VOIDED = "Voided"  # what QBO writes into a voided transaction's PrivateNote

# Fault codes the hub acts on.
OBJECT_NOT_FOUND = "610"
STALE_OBJECT = "5010"  # the SyncToken is not the record's current version
DUPLICATE_DOC_NUMBER = "6140"
DUPLICATE_NAME = "6240"  # a DisplayName is unique across customers, vendors and employees
