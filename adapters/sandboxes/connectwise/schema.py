"""The ConnectWise resources the sandbox serves, and what each one enforces.

Required fields are the 2025.1 schema's (``contracts/connectwise.md`` §6, §8: the references
the 2024 model file does not flag, Contact ``firstName`` as the server enforces it, a company's
one address field); lengths are the model file's; a reference must name a record that exists
and is not inactive. Fields a resource does not list are dropped, as the API drops unknown
fields; a condition naming one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.sandboxes.connectwise.conditions import Fields

LAST_UPDATED = "lastUpdated"


@dataclass(frozen=True)
class Resource:
    path: str  # under apis/3.0, e.g. "company/companies"
    name: str  # as an error's ``resource`` names it, e.g. "company"
    scalars: tuple[str, ...]
    references: Mapping[str, str] = field(default_factory=dict)  # field -> target path
    ref_arrays: Mapping[str, str] = field(default_factory=dict)  # [{id}] arrays -> target path
    required: tuple[str, ...] = ()
    lengths: Mapping[str, int] = field(default_factory=dict)
    post_only: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    writable: bool = True
    label: str = "name"  # what a reference to it shows beside its id
    hidden: tuple[str, ...] = ()  # kept, searched, never answered

    @property
    def fields(self) -> Fields:
        arrays = {name: Fields(("id", "name")) for name in self.ref_arrays}
        if self.path == "company/contacts":
            arrays["communicationItems"] = Fields(
                ("id", "value", "communicationType", "defaultFlag"), ("type",)
            )
        return Fields(
            (*self.scalars, "id", LAST_UPDATED),
            tuple(self.references),
            arrays,
        )


def _lookup(
    path: str,
    name: str,
    *scalars: str,
    label: str = "name",
    references: Mapping[str, str] | None = None,
) -> Resource:
    """A look-up list: read-only, its fields as the model file gives them (``inactiveFlag``
    only where the model has one)."""
    return Resource(
        path,
        name,
        (label, *scalars),
        references=dict(references or {}),
        required=(label,),
        writable=False,
        label=label,
    )


ADDRESS = ("addressLine1", "addressLine2", "city", "state", "zip")

RESOURCES: tuple[Resource, ...] = (
    _lookup("company/companies/types", "companyType", "defaultFlag", "vendorFlag"),
    _lookup(
        "company/companies/statuses",
        "companyStatus",
        "defaultFlag",
        "inactiveFlag",
        "disallowSavingFlag",
    ),
    _lookup("company/contacts/types", "contactType", "defaultFlag", label="description"),
    _lookup(
        "company/communicationTypes",
        "communicationType",
        "defaultFlag",
        "emailFlag",
        "phoneFlag",
        "faxFlag",
        label="description",
    ),
    _lookup("company/countries", "country", "countryCode", "defaultFlag"),
    _lookup("company/states", "state", "identifier"),
    _lookup("finance/currencies", "currency", "currencyCode", "inactiveFlag"),
    _lookup("sales/stages", "opportunityStage", "sequenceNumber"),
    _lookup(
        "sales/opportunities/statuses",
        "opportunityStatus",
        "defaultFlag",
        "inactiveFlag",
        "wonFlag",
        "lostFlag",
        "closedFlag",
    ),
    _lookup("sales/opportunities/types", "opportunityType", "inactiveFlag", label="description"),
    _lookup("sales/probabilities", "probability", label="probability"),
    _lookup("system/locations", "location"),
    _lookup("system/departments", "department", "identifier"),
    _lookup(
        "system/members",
        "member",
        "firstName",
        "lastName",
        "primaryEmail",
        "inactiveFlag",
        label="identifier",
    ),
    _lookup("procurement/types", "productType", "defaultFlag", "inactiveFlag"),
    _lookup("procurement/categories", "category", "defaultFlag", "inactiveFlag"),
    _lookup(
        "procurement/subcategories",
        "subcategory",
        "defaultFlag",
        "inactiveFlag",
        references={"category": "procurement/categories"},
    ),
    _lookup("procurement/unitOfMeasures", "unitOfMeasure", "defaultFlag", "inactiveFlag"),
    Resource(
        "company/companies",
        "company",
        (
            "identifier",
            "name",
            *ADDRESS,
            "phoneNumber",
            "faxNumber",
            "website",
            "accountNumber",
            "deletedFlag",
        ),
        references={
            "status": "company/companies/statuses",
            "country": "company/countries",
            "currency": "finance/currencies",
            "defaultContact": "company/contacts",
            "parentCompany": "company/companies",
            "billToCompany": "company/companies",
        },
        ref_arrays={"types": "company/companies/types"},
        required=("identifier", "name"),
        lengths={
            "identifier": 30,
            "name": 50,
            "addressLine1": 50,
            "addressLine2": 50,
            "city": 50,
            "state": 50,
            "zip": 12,
            "phoneNumber": 30,
            "faxNumber": 30,
            "website": 255,
            "accountNumber": 30,
        },
        post_only=("types",),
        label="identifier",
    ),
    Resource(
        "company/contacts",
        "contact",
        ("firstName", "lastName", "title", "inactiveFlag", "communicationItems"),
        references={"company": "company/companies"},
        ref_arrays={"types": "company/contacts/types"},
        required=("firstName",),
        lengths={"firstName": 30, "lastName": 30, "title": 100},
        post_only=("types",),
    ),
    Resource(
        "company/contacts/communications",  # /company/contacts/{id}/communications
        "contactCommunication",
        ("value", "communicationType", "defaultFlag"),
        references={"type": "company/communicationTypes"},
        required=("type", "value"),
        lengths={"value": 250},
    ),
    Resource(
        "procurement/catalog",
        "catalogItem",
        (
            "identifier",
            "description",
            "customerDescription",
            "inactiveFlag",
            "productClass",
            "price",
            "cost",
            "taxableFlag",
            "manufacturerPartNumber",
            "recurringFlag",
            "recurringCycleType",
            "integrationXRef",
        ),
        references={
            "category": "procurement/categories",
            "subcategory": "procurement/subcategories",
            "type": "procurement/types",
            "unitOfMeasure": "procurement/unitOfMeasures",
        },
        required=("identifier", "description", "customerDescription", "subcategory", "type"),
        lengths={
            "identifier": 75,
            "description": 60,
            "customerDescription": 6000,
            "manufacturerPartNumber": 50,
        },
        choices={
            "productClass": ("Agreement", "Bundle", "Inventory", "NonInventory", "Service"),
            "recurringCycleType": ("ProrateCycle", "CalendarMonth", "ContractYear"),
        },
        label="identifier",
    ),
    Resource(
        "sales/opportunities",
        "opportunity",
        ("name", "expectedCloseDate", "notes", "locationId", "businessUnitId", "closedDate"),
        references={
            "company": "company/companies",
            "contact": "company/contacts",
            "primarySalesRep": "system/members",
            "stage": "sales/stages",
            "status": "sales/opportunities/statuses",
            "type": "sales/opportunities/types",
            "probability": "sales/probabilities",
        },
        required=("name", "company", "contact", "primarySalesRep"),
        lengths={"name": 100},
    ),
    Resource(
        "procurement/products",
        "productItem",
        (
            "description",
            "customerDescription",
            "quantity",
            "price",
            "cost",
            "billableOption",
            "taxableFlag",
            "sequenceNumber",
            "integrationXRef",
        ),
        references={"catalogItem": "procurement/catalog", "opportunity": "sales/opportunities"},
        required=("catalogItem", "billableOption"),
        lengths={"description": 2000, "customerDescription": 6000, "integrationXRef": 50},
        choices={"billableOption": ("Billable", "DoNotBill", "NoCharge")},
    ),
    Resource(
        "system/callbacks",
        "callbackEntry",
        (
            "url",
            "objectId",
            "type",
            "level",
            "description",
            "inactiveFlag",
            "payloadVersion",
            "isSelfSuppressedFlag",
        ),
        required=("url", "objectId", "type", "level"),
        lengths={"url": 1000, "description": 100},
        label="url",
    ),
    Resource(
        "system/documents",
        "document",
        ("title", "fileName", "recordType", "recordId", "size", "publicFlag", "readOnlyFlag"),
        required=("title",),
        label="title",
        hidden=("recordType", "recordId"),  # where it is filed: a query, not a field
    ),
)

BY_PATH: dict[str, Resource] = {r.path.casefold(): r for r in RESOURCES}
