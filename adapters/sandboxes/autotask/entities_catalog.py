"""Products, Services, ServiceBundles, TaxCategories and BillingCodes, field by field.

Copied from the vendor's contract (``contracts/autotask_entities.json``: non-nullable means
required; a contract test keeps them equal). Fields typed ``mixed`` there take the type
Autotask's REST docs give them. BillingCodes can only be read through the API; the operations
contract offers create and update of TaxCategories, so the sandbox does too.
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

_PRODUCT = [
    FieldSpec("id", DataType.LONG, read_only=True),
    FieldSpec("name", DataType.STRING, required=True, max_length=100),
    *specs(DataType.BOOLEAN, "isActive isSerialized", required=True),
    ref("productBillingCodeID", "BillingCodes", required=True),
    ref("chargeBillingCodeID", "BillingCodes"),
    ref("defaultVendorID", "Companies"),
    FieldSpec("productCategory", DataType.INTEGER, picklist=pick.PRODUCT_CATEGORIES),
    FieldSpec("periodType", DataType.INTEGER, picklist=pick.PERIOD_TYPES),
    FieldSpec("sku", DataType.STRING, max_length=50),
    *specs(
        DataType.STRING,
        "description externalProductID internalProductID link manufacturerName"
        " manufacturerProductName vendorProductNumber",
    ),
    *specs(DataType.INTEGER, "billingType defaultInstalledProductCategoryID priceCostMethod"),
    *specs(DataType.DOUBLE, "markupRate msrp unitCost unitPrice"),
    *specs(DataType.BOOLEAN, "doesNotRequireProcurement isEligibleForRma"),
    *specs(DataType.INTEGER, "createdByResourceID impersonatorCreatorResourceID", read_only=True),
    FieldSpec("createdTime", DataType.DATETIME, read_only=True),
    udfs(),
]


def _recurring(*extra: FieldSpec) -> list[FieldSpec]:
    """What Services and ServiceBundles share: a recurring billing code, period and price."""
    return [
        FieldSpec("id", DataType.LONG, read_only=True),
        FieldSpec("name", DataType.STRING, required=True, max_length=100),
        ref("billingCodeID", "BillingCodes", required=True),
        FieldSpec(
            "periodType",
            DataType.INTEGER,
            required=True,
            picklist=pick.RECURRING_PERIOD_TYPES,
            default=pick.MONTHLY,
        ),
        *specs(DataType.STRING, "description invoiceDescription"),
        FieldSpec("isActive", DataType.BOOLEAN),
        FieldSpec("serviceLevelAgreementID", DataType.INTEGER),
        FieldSpec("unitCost", DataType.DOUBLE),
        *extra,
        *specs(DataType.INTEGER, "creatorResourceID updateResourceID", read_only=True),
        *specs(DataType.DATETIME, "createDate lastModifiedDate", read_only=True),
        udfs(),
    ]


_SERVICE = _recurring(
    FieldSpec("unitPrice", DataType.DOUBLE, required=True),
    FieldSpec("markupRate", DataType.DOUBLE),
    ref("vendorCompanyID", "Companies"),
)
_SERVICE_BUNDLE = _recurring(
    *specs(DataType.DOUBLE, "percentageDiscount unitDiscount unitPrice"),
)

_TAX_CATEGORY = [
    FieldSpec("id", DataType.LONG, required=True, read_only=True),
    FieldSpec("name", DataType.STRING, required=True),
    FieldSpec("description", DataType.STRING),
    FieldSpec("isActive", DataType.BOOLEAN),
    udfs(),
]

_BILLING_CODE = [
    FieldSpec("id", DataType.LONG, read_only=True),
    FieldSpec("name", DataType.STRING),
    FieldSpec("useType", DataType.INTEGER, picklist=pick.BILLING_CODE_USE_TYPES),
    FieldSpec("isActive", DataType.BOOLEAN, required=True),
    *specs(DataType.DOUBLE, "unitCost unitPrice", required=True),
    ref("taxCategoryID", "TaxCategories"),
    *specs(DataType.STRING, "description externalNumber"),
    *specs(
        DataType.INTEGER,
        "afterHoursWorkType billingCodeType department generalLedgerAccount",
    ),
    FieldSpec("isExcludedFromNewContracts", DataType.BOOLEAN),
    FieldSpec("markupRate", DataType.DOUBLE),
    udfs(),
]

PRODUCTS = EntityRules(
    "Product",
    by_name(_PRODUCT),
    created="createdTime",
)
SERVICES = EntityRules(
    "Service",
    by_name(_SERVICE),
    created="createDate",
    modified="lastModifiedDate",
    defaults={"isActive": True},
)
SERVICE_BUNDLES = EntityRules(
    "ServiceBundle",
    by_name(_SERVICE_BUNDLE),
    created="createDate",
    modified="lastModifiedDate",
    defaults={"isActive": True},
    api_delete=True,
)
TAX_CATEGORIES = EntityRules(
    "TaxCategory",
    by_name(_TAX_CATEGORY),
    defaults={"isActive": True},
)
BILLING_CODES = EntityRules(
    "BillingCode",
    by_name(_BILLING_CODE),
    api_create=False,
    api_update=False,
)
