"""What the hub and BNG's gateway (the NMI Payment API) say to each other, shared with the sandbox.

From NMI's Payment API (``contracts/README.md``, "BNG Payment Gateway"): the outcome of every
``transact.php`` answer, the codes of an approval and of a gateway's refusal, the words of a
wrong security key, and the fields of an answer in the order NMI writes them.
"""

from __future__ import annotations

APPROVED, DECLINED, ERROR = "1", "2", "3"  # ``response``
APPROVED_CODE = "100"  # ``response_code`` of an approval
REFUSED_CODE = "300"  # the gateway itself refused the request (bad data, duplicate, …)
AUTHENTICATION_FAILED = "Authentication Failed"
# The refusal of the same card or account and amount again within the duplicate window
# (``dup_seconds``; 1200 s unless the merchant's settings say otherwise): response=3, code 300,
# "Duplicate transaction REFID:…" (support.nmi.com, "Duplicate Transaction Error").
DUPLICATE_TRANSACTION = "Duplicate transaction"

# An answer without these is malformed; the code comes last, so a cut-off body lacks it (INT-7).
REQUIRED_ANSWER_FIELDS = ("response", "response_code")
# These may be missing (read as empty), and fields not named here are ignored (INT-7).
OPTIONAL_ANSWER_FIELDS = (
    "responsetext",
    "authcode",
    "transactionid",
    "avsresponse",
    "cvvresponse",
    "orderid",
    "type",
    "customer_vault_id",
)

# NMI's credential-on-file fields of a sale (docs.nmi.com, Payment API "Stored Credentials"):
# who started it, whether it stores or uses the credential, the charge that stored it, and
# for scheduled series the billing method.
INITIATORS = ("customer", "merchant")  # ``initiated_by``
STORED_CREDENTIAL_INDICATORS = ("stored", "used")  # ``stored_credential_indicator``
BILLING_METHODS = ("recurring", "installment")  # ``billing_method``
STORED_CREDENTIAL_FIELDS = (
    "initiated_by",
    "stored_credential_indicator",
    "initial_transaction_id",
    "billing_method",
)
