"""The picklists of the quoting entities, as a new Autotask instance might have them.

Picklist values are per Autotask instance (``GET /{Entity}/entityInformation/fields`` answers
them), so adapters look labels up rather than trusting these numbers. Where Autotask's values
are fixed (a quote item's type, its period) they are Autotask's own.
"""

from __future__ import annotations

from adapters.sandboxes.autotask.fields import Picklist

OPPORTUNITY_STATUSES: Picklist = (
    (0, "Inactive"),
    (1, "Active"),
    (2, "Lost"),
    (3, "Closed"),
    (4, "Implemented"),
    (5, "Not Ready To Buy"),
)
OPPORTUNITY_ACTIVE, OPPORTUNITY_LOST, OPPORTUNITY_CLOSED, OPPORTUNITY_IMPLEMENTED = 1, 2, 3, 4
OPPORTUNITY_STAGES: Picklist = (
    (1, "Prospecting"),
    (2, "Qualification"),
    (3, "Proposal"),
    (4, "Negotiation"),
    (5, "Closed Won"),
    (6, "Closed Lost"),
)
OPPORTUNITY_RATINGS: Picklist = ((1, "Hot"), (2, "Warm"), (3, "Cold"))
LEAD_SOURCES: Picklist = (
    (1, "Referral"),
    (2, "Website"),
    (3, "Existing Customer"),
    (4, "Trade Show"),
    (5, "Partner"),
)
WIN_REASONS: Picklist = ((1, "Price"), (2, "Relationship"), (3, "Solution Fit"))
LOSS_REASONS: Picklist = ((1, "Price"), (2, "Competitor"), (3, "No Decision"), (4, "Timing"))
OPPORTUNITY_CATEGORIES: Picklist = ((1, "Standard"), (2, "Managed Services"), (3, "Project"))

PAYMENT_TERMS: Picklist = (
    (1, "Due on Receipt"),
    (2, "Net 15 Days"),
    (3, "Net 30 Days"),
    (4, "Net 60 Days"),
)
PAYMENT_TYPES: Picklist = ((1, "Cash"), (2, "Check"), (3, "Credit Card"), (4, "Invoice"))
# Shipping quote items point at a shipping type (Autotask's ShippingTypes, not served here).
SHIPPING_TYPES: Picklist = ((1, "Ground"), (2, "2nd Day Air"), (3, "Overnight"), (4, "Pickup"))

# A quote item's type and the one field that names its item.
QUOTE_ITEM_TYPES: Picklist = (
    (1, "Product"),
    (2, "Cost"),
    (3, "Labor"),
    (4, "Expense"),
    (6, "Shipping"),
    (11, "Service"),
    (12, "Service Bundle"),
)
ITEM_FIELD_OF_TYPE: dict[int, str] = {
    1: "productID",
    2: "chargeID",
    3: "laborID",
    4: "expenseID",
    6: "shippingID",
    11: "serviceID",
    12: "serviceBundleID",
}
PRODUCT, COST, LABOR, EXPENSE, SHIPPING, SERVICE, SERVICE_BUNDLE = 1, 2, 3, 4, 6, 11, 12

PERIOD_TYPES: Picklist = (
    (1, "One-Time"),
    (2, "Monthly"),
    (3, "Quarterly"),
    (4, "Semi-Annual"),
    (5, "Yearly"),
)
ONE_TIME, MONTHLY, YEARLY = 1, 2, 5
RECURRING_PERIOD_TYPES: Picklist = PERIOD_TYPES[1:]  # services and bundles always recur

# No API creates product categories (AT-3): they are this picklist, set up in Autotask's UI.
PRODUCT_CATEGORIES: Picklist = (
    (1, "Hardware"),
    (2, "Hardware - Laptops"),
    (3, "Hardware - Desktops"),
    (4, "Hardware - Servers"),
    (5, "Software"),
    (6, "Software - Licensing"),
    (7, "Networking"),
    (8, "Cloud Services"),
)

# What a billing code is used for: labor items need a work type (AT-4), products a material
# code, services and bundles a recurring contract service code.
BILLING_CODE_USE_TYPES: Picklist = (
    (1, "Work Type"),
    (2, "Material"),
    (3, "Expense"),
    (4, "Recurring Contract Service"),
    (5, "General"),
)
WORK_TYPE, MATERIAL, EXPENSE_CODE, RECURRING_SERVICE = 1, 2, 3, 4

ATTACHMENT_TYPES: Picklist = (
    ("FILE_ATTACHMENT", "File Attachment"),
    ("URL", "URL"),
    ("FOLDER_LINK", "Folder Link"),
)
ATTACHMENT_PUBLISH: Picklist = ((1, "All Autotask Users"), (2, "Internal Users Only"))

# Picklists whose values Autotask fixes for every instance (and this sandbox's own rules read);
# every other integer picklist is the instance's own, and ``instance_rules`` may shift it.
FIXED_PICKLISTS = frozenset(
    {
        ("Opportunities", "status"),
        ("QuoteItems", "quoteItemType"),
        ("QuoteItems", "periodType"),
        ("Products", "periodType"),
        ("Services", "periodType"),
        ("ServiceBundles", "periodType"),
        ("BillingCodes", "useType"),
        ("Quotes", "shippingType"),
        ("Companies", "companyType"),
        ("Contracts", "status"),
        ("Contracts", "contractType"),
        ("Contracts", "timeReportingRequiresStartAndStopTimes"),
        ("OpportunityAttachments", "publish"),
    }
)
