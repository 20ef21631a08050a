"""The Autotask entities the sandbox serves, field by field.

Companies, Contacts and Invoices are copied from the vendor's contract
(``contracts/autotask_entities.json``: non-nullable means required); a contract test keeps them
equal. Contracts and Tickets are not in that file: ``sandbox_entities_docs.py`` has them. The
quoting entities are in ``sandbox_entities_quotes.py`` and ``sandbox_entities_catalog.py``.
"""

from __future__ import annotations

from adapters.sandboxes.autotask.entities_catalog import (
    BILLING_CODES,
    PRODUCTS,
    SERVICE_BUNDLES,
    SERVICES,
    TAX_CATEGORIES,
)
from adapters.sandboxes.autotask.entities_docs import CONTRACTS, RESOURCES, TICKETS
from adapters.sandboxes.autotask.entities_quotes import (
    OPPORTUNITIES,
    OPPORTUNITY_ATTACHMENTS,
    QUOTE_ITEMS,
    QUOTE_LOCATIONS,
    QUOTES,
)
from adapters.sandboxes.autotask.fields import (
    DataType,
    EntityRules,
    FieldSpec,
    by_name,
    specs,
    udfs,
)

COMPANY_TYPES = (
    (1, "Customer"),
    (2, "Lead"),
    (3, "Prospect"),
    (4, "Dead"),
    (6, "Cancellation"),
    (7, "Vendor"),
    (8, "Partner"),
)

_COMPANY = [
    FieldSpec("id", DataType.LONG, read_only=True),
    *specs(DataType.STRING, "companyName phone", required=True),
    *specs(
        DataType.STRING,
        "additionalAddressInformation address1 address2 alternatePhone1 alternatePhone2"
        " billingAddress1 billingAddress2 billToAdditionalAddressInformation billToAttention"
        " billToCity billToState billToZipCode city companyNumber fax postalCode sicCode state"
        " stockMarket stockSymbol taxID webAddress",
    ),
    FieldSpec("ownerResourceID", DataType.INTEGER, required=True),
    FieldSpec("companyType", DataType.INTEGER, picklist=COMPANY_TYPES),
    *specs(
        DataType.INTEGER,
        "billToAddressToUse billToCompanyLocationID billToCountryID classification"
        " companyCategoryID competitorID countryID currencyID invoiceEmailMessageID"
        " invoiceMethod invoiceTemplateID marketSegmentID parentCompanyID"
        " purchaseOrderTemplateID quoteEmailMessageID quoteTemplateID taxRegionID territoryID",
    ),
    *specs(
        DataType.INTEGER,
        "apiVendorID createdByResourceID impersonatorCreatorResourceID",
        read_only=True,
    ),
    FieldSpec("assetValue", DataType.DOUBLE),
    FieldSpec("surveyCompanyRating", DataType.DOUBLE, read_only=True),
    *specs(
        DataType.BOOLEAN,
        "invoiceNonContractItemsToParentCompany isActive isClientPortalActive"
        " isEnabledForComanaged isTaskFireActive isTaxExempt",
    ),
    *specs(
        DataType.DATETIME,
        "createDate lastActivityDate lastTrackedModifiedDateTime",
        read_only=True,
    ),
    udfs(),
]

_CONTACT = [
    FieldSpec("id", DataType.LONG, read_only=True),
    *specs(DataType.STRING, "firstName lastName", required=True),
    FieldSpec("companyID", DataType.INTEGER, required=True),
    FieldSpec("isActive", DataType.INTEGER, required=True),  # 1 or 0, not a boolean
    *specs(
        DataType.STRING,
        "additionalAddressInformation addressLine addressLine1 alternatePhone city emailAddress"
        " emailAddress2 emailAddress3 extension externalID facebookUrl faxNumber linkedInUrl"
        " middleInitial mobilePhone note phone roomNumber state title twitterUrl zipCode",
    ),
    *specs(DataType.INTEGER, "companyLocationID countryID namePrefix nameSuffix"),
    *specs(DataType.INTEGER, "apiVendorID impersonatorCreatorResourceID", read_only=True),
    *specs(
        DataType.BOOLEAN,
        "isOptedOutFromBulkEmail primaryContact receivesEmailNotifications solicitationOptOut"
        " surveyOptOut",
    ),
    *specs(
        DataType.DATETIME,
        "bulkEmailOptOutTime createDate lastActivityDate lastModifiedDate solicitationOptOutTime",
        read_only=True,
    ),
    udfs(),
]

# Autotask makes invoices when billing items are processed; the API may set only these.
_INVOICE = [
    FieldSpec("id", DataType.LONG, read_only=True),
    FieldSpec("invoiceDateTime", DataType.DATETIME, required=True, read_only=True),
    *specs(
        DataType.INTEGER,
        "batchID companyID creatorResourceID paymentTerm taxGroup voidedByResourceID",
        read_only=True,
    ),
    *specs(DataType.STRING, "invoiceNumber orderNumber taxRegionName", read_only=True),
    *specs(DataType.DOUBLE, "invoiceTotal totalTaxValue", read_only=True),
    FieldSpec("isVoided", DataType.BOOLEAN, read_only=True),
    *specs(DataType.DATETIME, "createDateTime fromDate toDate voidedDate", read_only=True),
    FieldSpec("dueDate", DataType.DATETIME, read_only=True, queryable=False),
    FieldSpec("comments", DataType.STRING, max_length=1000),
    FieldSpec("invoiceEditorTemplateID", DataType.INTEGER),
    FieldSpec("paidDate", DataType.DATETIME, date_only=True),
    FieldSpec("webServiceDate", DataType.DATETIME),
    udfs(),
]

# Entity name in the URL → how the sandbox serves it.
RULES: dict[str, EntityRules] = {
    "Companies": EntityRules(
        "Company",
        by_name(_COMPANY),
        created="createDate",
        modified="lastTrackedModifiedDateTime",
        defaults={"isActive": True},
    ),
    "Contacts": EntityRules(
        "Contact",
        by_name(_CONTACT),
        created="createDate",
        modified="lastModifiedDate",
        defaults={"isActive": 1},
        api_create=False,
        parent=("Companies", "companyID"),
    ),
    "Contracts": CONTRACTS,
    "Tickets": TICKETS,
    "Resources": RESOURCES,
    "Invoices": EntityRules(
        "Invoice",
        by_name(_INVOICE),
        created="createDateTime",
        defaults={"isVoided": False},
        api_create=False,
    ),
    # Quoting: opportunities, quotes and their items, attachments, the catalog.
    "TaxCategories": TAX_CATEGORIES,
    "BillingCodes": BILLING_CODES,
    "Products": PRODUCTS,
    "Services": SERVICES,
    "ServiceBundles": SERVICE_BUNDLES,
    "Opportunities": OPPORTUNITIES,
    "OpportunityAttachments": OPPORTUNITY_ATTACHMENTS,
    "QuoteLocations": QUOTE_LOCATIONS,
    "Quotes": QUOTES,
    "QuoteItems": QUOTE_ITEMS,
}
