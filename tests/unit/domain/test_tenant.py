"""The tenant's internal currency is set once and never changed (MON-3)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.identity.tenant import Tenant, TenantCurrencySet, TenantId
from domain.shared.errors import CurrencyAlreadySet, InvalidValue
from domain.shared.money import Currency

TENANT_ID = TenantId(UUID(int=7))
NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
LATER = datetime(2025, 2, 3, 4, 5, tzinfo=UTC)


def new_tenant(currency: Currency | None = None) -> Tenant:
    return Tenant(id=TENANT_ID, name="Northwind MSP", created_at=NOW, currency=currency)


def test_a_new_tenant_has_no_currency_yet() -> None:  # MON-3
    assert new_tenant().currency is None


def test_setting_the_currency_records_an_event() -> None:  # MON-3
    tenant = new_tenant()
    tenant.set_currency(Currency.CAD, NOW)
    assert tenant.currency is Currency.CAD
    assert tenant.pull_events() == [
        TenantCurrencySet(tenant_id=TENANT_ID, occurred_at=NOW, currency=Currency.CAD)
    ]


def test_second_currency_set_is_refused() -> None:  # MON-3
    tenant = new_tenant()
    tenant.set_currency(Currency.CAD, NOW)
    with pytest.raises(CurrencyAlreadySet) as caught:
        tenant.set_currency(Currency.EUR, LATER)
    assert (caught.value.rule, caught.value.field) == ("MON-3", "currency")
    assert tenant.currency is Currency.CAD


def test_second_set_to_the_same_currency_is_refused_too() -> None:  # MON-3
    tenant = new_tenant()
    tenant.set_currency(Currency.USD, NOW)
    with pytest.raises(CurrencyAlreadySet):
        tenant.set_currency(Currency.USD, LATER)
    assert tenant.currency is Currency.USD


def test_refused_set_records_no_event() -> None:  # MON-3
    tenant = new_tenant()
    tenant.set_currency(Currency.USD, NOW)
    tenant.pull_events()
    with pytest.raises(CurrencyAlreadySet):
        tenant.set_currency(Currency.GBP, LATER)
    assert tenant.pull_events() == []


def test_a_tenant_created_with_a_currency_cannot_set_another() -> None:  # MON-3
    tenant = new_tenant(Currency.AUD)
    with pytest.raises(CurrencyAlreadySet):
        tenant.set_currency(Currency.NZD, NOW)
    assert tenant.currency is Currency.AUD


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_tenant_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Tenant(id=TENANT_ID, name=name, created_at=NOW)
    assert caught.value.field == "name"


def test_tenant_name_longer_than_100_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        Tenant(id=TENANT_ID, name="x" * 101, created_at=NOW)
    assert caught.value.field == "name"


def test_tenant_name_is_trimmed() -> None:
    assert Tenant(id=TENANT_ID, name="  Northwind  ", created_at=NOW).name == "Northwind"
