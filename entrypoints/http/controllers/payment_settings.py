"""``/v1/payment-settings``: any staff reads them, admins change them (PAY-6, PAY-8, PAY-10)."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.billing.settings import ChangePaymentSettings, PaymentSettingsQueries
from application.identity.ports import Principal
from entrypoints.http.auth import ADMINS, ANY_STAFF
from entrypoints.http.schemas.payment_settings import PaymentSettingsIn, PaymentSettingsOut


class PaymentSettingsController(Controller):
    path = "/v1/payment-settings"
    tags = ["payment settings"]  # noqa: RUF012

    @get("/", guards=[ANY_STAFF], summary="The gateway, methods per environment, refund policy")
    async def read(
        self,
        principal: NamedDependency[Principal],
        payment_settings: NamedDependency[PaymentSettingsQueries],
    ) -> PaymentSettingsOut:
        return PaymentSettingsOut.of(await payment_settings(principal.tenant_id))

    @put(
        "/",
        guards=[ADMINS],
        summary="Set the methods staff and the portal take (PAY-8) and the refund policy (PAY-6)",
    )
    async def change(
        self,
        data: JSONBody[PaymentSettingsIn],
        principal: NamedDependency[Principal],
        change_payment_settings: NamedDependency[ChangePaymentSettings],
    ) -> PaymentSettingsOut:
        changed = await change_payment_settings(principal.tenant_id, data.to_change())
        return PaymentSettingsOut.of(changed)
