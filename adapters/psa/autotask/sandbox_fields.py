"""The Autotask entities the sandbox serves, field by field, as ``entityInformation/fields``.

Copied from the vendor's contract (``contracts/autotask_entities.json``: non-nullable means
required); a contract test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from litestar.exceptions import HTTPException


class DataType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    LONG = "long"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    LIST = "list"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    data_type: DataType
    required: bool = False
    read_only: bool = False
    picklist: tuple[tuple[int, str], ...] = ()


def _specs(
    data_type: DataType, names: str, *, required: bool = False, read_only: bool = False
) -> list[FieldSpec]:
    return [FieldSpec(name, data_type, required, read_only) for name in names.split()]


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
    *_specs(DataType.STRING, "companyName phone", required=True),
    *_specs(
        DataType.STRING,
        "additionalAddressInformation address1 address2 alternatePhone1 alternatePhone2"
        " billingAddress1 billingAddress2 billToAdditionalAddressInformation billToAttention"
        " billToCity billToState billToZipCode city companyNumber fax postalCode sicCode state"
        " stockMarket stockSymbol taxID webAddress",
    ),
    FieldSpec("ownerResourceID", DataType.INTEGER, required=True),
    FieldSpec("companyType", DataType.INTEGER, picklist=COMPANY_TYPES),
    *_specs(
        DataType.INTEGER,
        "billToAddressToUse billToCompanyLocationID billToCountryID classification"
        " companyCategoryID competitorID countryID currencyID invoiceEmailMessageID"
        " invoiceMethod invoiceTemplateID marketSegmentID parentCompanyID"
        " purchaseOrderTemplateID quoteEmailMessageID quoteTemplateID taxRegionID territoryID",
    ),
    *_specs(
        DataType.INTEGER,
        "apiVendorID createdByResourceID impersonatorCreatorResourceID",
        read_only=True,
    ),
    FieldSpec("assetValue", DataType.DOUBLE),
    FieldSpec("surveyCompanyRating", DataType.DOUBLE, read_only=True),
    *_specs(
        DataType.BOOLEAN,
        "invoiceNonContractItemsToParentCompany isActive isClientPortalActive"
        " isEnabledForComanaged isTaskFireActive isTaxExempt",
    ),
    *_specs(
        DataType.DATETIME,
        "createDate lastActivityDate lastTrackedModifiedDateTime",
        read_only=True,
    ),
    FieldSpec("userDefinedFields", DataType.LIST),
]

# Entity name in the URL → its fields; the singular is how the vendor's messages name it.
ENTITIES: dict[str, dict[str, FieldSpec]] = {
    "Companies": {spec.name: spec for spec in _COMPANY},
}
SINGULAR = {"Companies": "Company"}


class SandboxRefusal(HTTPException):
    """A call the sandbox refuses as Autotask does: ``{"errors": [...]}``, validation as 500."""

    status_code = 500

    def __init__(self, *errors: str, status: int = 500) -> None:
        super().__init__(detail=" / ".join(errors), status_code=status, extra=list(errors))
