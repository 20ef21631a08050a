"""What the Autotask sandbox holds after every reset, as an MSP's Autotask instance would:
resources (the API user among them), tax categories, billing codes (a material code, labor work
types, a recurring service code, an expense code), products (one recurring monthly), services
and a service bundle.

Adapters find these through the API, by name (``POST /BillingCodes/query`` with
``{"op": "eq", "field": "name", "value": "Remote Support"}``), as they must in a real
instance. Tests may use ``seeded_id`` to know what to expect.
"""

from __future__ import annotations

from typing import Any

from adapters.sandboxes.autotask import picklists as pick

TAX_STANDARD, TAX_EXEMPT, TAX_SERVICES = 1, 2, 3
HARDWARE_CODE, RECURRING_CODE, REMOTE_SUPPORT, ONSITE_LABOR, TRAVEL = range(29682801, 29682806)


def _tax(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "description": description, "isActive": True}


def _code(name: str, use_type: int, price: float, cost: float, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "useType": use_type,
        "unitPrice": price,
        "unitCost": cost,
        "isActive": True,
        **more,
    }


def _product(
    name: str, sku: str, category: int, price: float, cost: float, **more: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "sku": sku,
        "productCategory": category,
        "unitPrice": price,
        "unitCost": cost,
        "productBillingCodeID": HARDWARE_CODE,
        "isActive": True,
        "isSerialized": False,
        **more,
    }


def _service(name: str, period: int, price: float, cost: float) -> dict[str, Any]:
    return {
        "name": name,
        "billingCodeID": RECURRING_CODE,
        "periodType": period,
        "unitPrice": price,
        "unitCost": cost,
        "isActive": True,
    }


API_USER_EMAIL = "sandbox@q2c.local"  # the sandbox's API user (SANDBOX_CREDENTIALS)


def _resource(first: str, last: str, email: str, **more: Any) -> dict[str, Any]:
    return {"firstName": first, "lastName": last, "email": email, "isActive": True, **more}


# (entity, id, fields), in an order where each refers only to those before it.
SEEDS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    # Resources: the API user is one, as in Autotask; opportunities need an owner among them.
    ("Resources", 29682701, _resource("Q2C", "API User", API_USER_EMAIL, userName="q2c-api")),
    ("Resources", 29682702, _resource("Morgan", "Hale", "morgan.hale@msp.example", title="CEO")),
    ("Resources", 29682703, _resource("Riley", "Chen", "riley.chen@msp.example", title="Sales")),
    (
        "Resources",
        29682704,
        _resource("Former", "Employee", "former@msp.example", isActive=False),
    ),
    ("TaxCategories", TAX_STANDARD, _tax("Standard", "Goods taxed at the standard rate")),
    ("TaxCategories", TAX_EXEMPT, _tax("Exempt", "Not taxed")),
    ("TaxCategories", TAX_SERVICES, _tax("Services", "Taxable services")),
    ("BillingCodes", HARDWARE_CODE, _code("Hardware", pick.MATERIAL, 0, 0, taxCategoryID=1)),
    ("BillingCodes", RECURRING_CODE, _code("Recurring Services", pick.RECURRING_SERVICE, 0, 0)),
    ("BillingCodes", REMOTE_SUPPORT, _code("Remote Support", pick.WORK_TYPE, 125.0, 45.0)),
    ("BillingCodes", ONSITE_LABOR, _code("Onsite Labor", pick.WORK_TYPE, 150.0, 55.0)),
    ("BillingCodes", TRAVEL, _code("Travel Expense", pick.EXPENSE_CODE, 0, 0)),
    (
        "Products",
        29683001,
        _product("Dell Latitude 5450 Laptop", "DL-5450", 2, 1299.0, 980.0),
    ),
    (
        "Products",
        29683002,
        _product("UniFi Switch 24 PoE", "USW-24-POE", 7, 429.0, 330.0),
    ),
    (
        "Products",
        29683003,
        _product(
            "Microsoft 365 Business Premium",
            "M365-BP",
            8,
            22.0,
            18.5,
            periodType=pick.MONTHLY,
        ),
    ),
    (
        "Products",
        29683004,
        _product("Windows 11 Pro License", "W11-PRO", 6, 199.0, 150.0),
    ),
    ("Services", 29683101, _service("Managed Workstation", pick.MONTHLY, 45.0, 15.0)),
    ("Services", 29683102, _service("Managed Server", pick.MONTHLY, 150.0, 50.0)),
    ("Services", 29683103, _service("Annual Security Audit", pick.YEARLY, 1200.0, 600.0)),
    (
        "ServiceBundles",
        29683201,
        {
            "name": "Managed IT Essentials",
            "billingCodeID": RECURRING_CODE,
            "periodType": pick.MONTHLY,
            "unitPrice": 199.0,
            "unitCost": 80.0,
            "isActive": True,
        },
    ),
)


def seeded_id(entity: str, name: str) -> int:
    """The id of a seeded record, by entity and name, e.g. ``("BillingCodes", "Hardware")``;
    a Resource by its email."""
    for seeded, item_id, body in SEEDS:
        if seeded == entity and name in (body.get("name"), body.get("email")):
            return item_id
    raise KeyError(f"nothing named {name!r} is seeded in {entity}")
