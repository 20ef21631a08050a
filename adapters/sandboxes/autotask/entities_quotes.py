"""Opportunities, Quotes, QuoteItems, OpportunityAttachments and QuoteLocations, field by field.

The first four are copied from the vendor's contract (``contracts/autotask_entities.json``:
non-nullable means required; a contract test keeps them equal). Fields typed ``mixed`` there
take the type Autotask's REST docs give them. QuoteLocations is not in that file: its fields
are those of Autotask's QuoteLocations entity (address lines, city, state, postal code), the
addresses a Quote's ``billToLocationID``, ``shipToLocationID`` and ``soldToLocationID`` name.
"""

from __future__ import annotations

from adapters.sandboxes.autotask import picklists as pick
from adapters.sandboxes.autotask.fields import (
    DataType,
    EntityRules,
    FieldSpec,
    by_name,
    ref,
    specs,
    udfs,
)

_OPPORTUNITY = [
    FieldSpec("id", DataType.LONG, read_only=True),
    ref("companyID", "Companies", required=True),
    ref("contactID", "Contacts"),
    ref("productID", "Products"),
    FieldSpec("title", DataType.STRING, required=True, max_length=128),
    FieldSpec("status", DataType.INTEGER, True, picklist=pick.OPPORTUNITY_STATUSES, default=1),
    FieldSpec("stage", DataType.INTEGER, True, picklist=pick.OPPORTUNITY_STAGES, default=1),
    FieldSpec("rating", DataType.INTEGER, picklist=pick.OPPORTUNITY_RATINGS),
    FieldSpec("leadSource", DataType.INTEGER, picklist=pick.LEAD_SOURCES),
    FieldSpec("winReason", DataType.INTEGER, picklist=pick.WIN_REASONS),
    FieldSpec("lossReason", DataType.INTEGER, picklist=pick.LOSS_REASONS),
    FieldSpec("opportunityCategoryID", DataType.INTEGER, picklist=pick.OPPORTUNITY_CATEGORIES),
    *specs(DataType.DOUBLE, "amount cost", required=True),
    ref("ownerResourceID", "Resources", required=True),  # an existing resource, or a 500
    FieldSpec("probability", DataType.INTEGER, required=True),
    *specs(DataType.DATETIME, "projectedCloseDate startDate", required=True),
    FieldSpec("useQuoteTotals", DataType.BOOLEAN, required=True),
    *specs(
        DataType.DOUBLE,
        "advancedField1 advancedField2 advancedField3 advancedField4 advancedField5"
        " assessmentScore monthlyCost monthlyRevenue onetimeCost onetimeRevenue quarterlyCost"
        " quarterlyRevenue relationshipAssessmentScore salesProcessPercentComplete"
        " semiannualCost semiannualRevenue technicalAssessmentScore yearlyCost yearlyRevenue",
    ),
    *specs(
        DataType.STRING,
        "barriers description helpNeeded lossReasonDetail market nextStep promotionName"
        " revenueSpreadUnit winReasonDetail",
    ),
    *specs(
        DataType.INTEGER,
        "organizationalLevelAssociationID primaryCompetitor revenueSpread salesOrderID"
        " totalAmountMonths",
    ),
    *specs(DataType.DATETIME, "closedDate lostDate promisedFulfillmentDate throughDate"),
    *specs(DataType.INTEGER, "creatorResourceID impersonatorCreatorResourceID", read_only=True),
    *specs(DataType.DATETIME, "createDate lastActivity", read_only=True),
    udfs(),
]

_QUOTE = [
    FieldSpec("id", DataType.LONG, read_only=True),
    ref("opportunityID", "Opportunities", required=True),
    ref("companyID", "Companies"),  # the opportunity's company when not given
    ref("contactID", "Contacts"),
    *[
        ref(name, "QuoteLocations", required=True)
        for name in ("billToLocationID", "shipToLocationID", "soldToLocationID")
    ],
    FieldSpec("name", DataType.STRING, required=True, max_length=100),
    FieldSpec("effectiveDate", DataType.DATETIME, required=True, date_only=True),
    FieldSpec("expirationDate", DataType.DATETIME, required=True, date_only=True),
    FieldSpec("externalQuoteNumber", DataType.STRING, max_length=100),
    FieldSpec("paymentTerm", DataType.INTEGER, picklist=pick.PAYMENT_TERMS),
    FieldSpec("paymentType", DataType.INTEGER, picklist=pick.PAYMENT_TYPES),
    FieldSpec("shippingType", DataType.INTEGER, picklist=pick.SHIPPING_TYPES),
    *specs(DataType.STRING, "comment description purchaseOrderNumber"),
    *specs(
        DataType.INTEGER,
        "approvalStatus groupByID proposalProjectID quoteTemplateID taxRegionID",
    ),
    *specs(DataType.BOOLEAN, "isActive primaryQuote"),
    *[  # Autotask answers an error when these are filtered on
        FieldSpec(name, DataType.BOOLEAN, queryable=False)
        for name in ("calculateTaxSeparately", "showEachTaxInGroup", "showTaxCategory")
    ],
    *specs(
        DataType.INTEGER,
        "approvalStatusChangedByResourceID creatorResourceID extApprovalContactResponse"
        " impersonatorCreatorResourceID lastModifiedBy lastPublishedByResourceID quoteNumber",
        read_only=True,
    ),
    FieldSpec("extApprovalResponseSignature", DataType.STRING, read_only=True),
    *specs(
        DataType.DATETIME,
        "approvalStatusChangedDate createDate extApprovalResponseDate lastActivityDate"
        " lastPublishedDateTime",
        read_only=True,
    ),
    udfs(),
]

_QUOTE_ITEM = [
    FieldSpec("id", DataType.LONG, read_only=True),
    ref("quoteID", "Quotes", required=True),
    FieldSpec("quoteItemType", DataType.INTEGER, required=True, picklist=pick.QUOTE_ITEM_TYPES),
    ref("productID", "Products"),
    ref("serviceID", "Services"),
    ref("serviceBundleID", "ServiceBundles"),
    *[ref(name, "BillingCodes") for name in ("laborID", "chargeID", "expenseID")],
    FieldSpec("shippingID", DataType.INTEGER),
    ref("taxCategoryID", "TaxCategories"),
    FieldSpec("periodType", DataType.INTEGER, picklist=pick.PERIOD_TYPES, default=1),
    FieldSpec("isOptional", DataType.BOOLEAN, required=True),
    *specs(
        DataType.DOUBLE,
        "lineDiscount percentageDiscount quantity unitDiscount",
        required=True,
    ),
    *specs(DataType.DOUBLE, "markupRate unitCost unitPrice"),
    FieldSpec("isTaxable", DataType.BOOLEAN),
    FieldSpec("name", DataType.STRING, max_length=100),
    FieldSpec("description", DataType.STRING, max_length=2000),
    FieldSpec("sortOrderID", DataType.INTEGER),
    *[  # cost data Autotask works out; not queryable
        FieldSpec(name, DataType.DOUBLE, read_only=True, queryable=False)
        for name in ("averageCost", "highestCost")
    ],
    *specs(
        DataType.DOUBLE,
        "internalCurrencyLineDiscount internalCurrencyUnitDiscount internalCurrencyUnitPrice"
        " totalEffectiveTax",
        read_only=True,
    ),
    udfs(),
]

_OPPORTUNITY_ATTACHMENT = [
    FieldSpec("id", DataType.LONG, read_only=True),
    ref("opportunityID", "Opportunities"),  # the parent's id, from the URL
    FieldSpec("title", DataType.STRING, required=True, max_length=255),
    FieldSpec("fullPath", DataType.STRING, required=True, max_length=255),
    FieldSpec(
        "attachmentType",
        DataType.STRING,
        required=True,
        picklist=pick.ATTACHMENT_TYPES,
        default="FILE_ATTACHMENT",
    ),
    FieldSpec("publish", DataType.INTEGER, True, picklist=pick.ATTACHMENT_PUBLISH, default=1),
    FieldSpec("data", DataType.STRING, queryable=False),  # base64; only a GET by id returns it
    FieldSpec("parentAttachmentID", DataType.INTEGER),
    *specs(
        DataType.INTEGER,
        "attachedByContactID attachedByResourceID creatorType impersonatorCreatorResourceID"
        " parentID",
        read_only=True,
    ),
    FieldSpec("fileSize", DataType.LONG, read_only=True),
    FieldSpec("contentType", DataType.STRING, read_only=True),
    FieldSpec("attachDate", DataType.DATETIME, read_only=True),
    udfs(),
]

_QUOTE_LOCATION = [
    FieldSpec("id", DataType.LONG, read_only=True),
    *[
        FieldSpec(name, DataType.STRING, max_length=50)
        for name in ("address1", "address2", "city", "state")
    ],
    FieldSpec("postalCode", DataType.STRING, max_length=20),
]

OPPORTUNITIES = EntityRules(
    "Opportunity",
    by_name(_OPPORTUNITY),
    created="createDate",
    modified="lastActivity",
)
QUOTES = EntityRules(
    "Quote",
    by_name(_QUOTE),
    created="createDate",
    modified="lastActivityDate",
    defaults={"isActive": True},
)
QUOTE_ITEMS = EntityRules(
    "QuoteItem",
    by_name(_QUOTE_ITEM),
    api_create=False,
    parent=("Quotes", "quoteID"),
    api_delete=True,
    collection="Items",
)
OPPORTUNITY_ATTACHMENTS = EntityRules(
    "OpportunityAttachment",
    by_name(_OPPORTUNITY_ATTACHMENT),
    created="attachDate",
    api_create=False,
    parent=("Opportunities", "opportunityID"),
    api_update=False,
    api_delete=True,
    listed_without=("data",),
    collection="Attachments",
)
QUOTE_LOCATIONS = EntityRules("QuoteLocation", by_name(_QUOTE_LOCATION))
