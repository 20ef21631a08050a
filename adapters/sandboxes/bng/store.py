"""The BNG sandbox's records: NMI's test-mode rules over tokens, a vault and transactions.

Full card and account numbers live only in the token and vault maps, as at the gateway; the
answers, query reports and the snapshot show at most the last four digits (PAY-8).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.vendors.bng.contract import (
    APPROVED_CODE,
    AUTHENTICATION_FAILED,
    BILLING_METHODS,
    DUPLICATE_TRANSACTION,
    INITIATORS,
    STORED_CREDENTIAL_FIELDS,
    STORED_CREDENTIAL_INDICATORS,
)

INSUFFICIENT_FUNDS_CARD = "4000000000009995"  # a Visa test card the issuer declines (202)
FAILING_ACCOUNT = "000000002"  # an eCheck account whose payments fail at settlement (PAY-7)
DECLINE_BELOW = Decimal("1.00")  # NMI test mode: amounts under 1.00 decline
DEFAULT_DUPLICATE_WINDOW = 1200.0  # NMI's default dup_seconds
MAX_DUP_SECONDS = 7_862_400  # NMI: dup_seconds "should not exceed 7862400"
_FIRST = {"transaction": 7_100_000_001, "vault": 500_000_001, "refid": 3_100_000_001}
_CONTACT = {  # a transact.php billing field → the Query API's element
    "firstname": "first_name",
    "lastname": "last_name",
    "company": "company",
    "email": "email",
}


class SandboxRefusal(ValueError):
    """The gateway refuses a call: an error answer (response=3), in NMI's words."""


@dataclass(frozen=True)
class Source:
    """A card or bank account as the gateway holds it; the full number never leaves here."""

    kind: str  # "card" or "check"
    number: str = field(repr=False)
    brand: str  # the card's brand, or a check's account type

    @property
    def masked(self) -> str:
        """As NMI reports it: a card keeps its first digit, an account only its last four."""
        hidden = "x" * (len(self.number) - 4) + self.number[-4:]
        return self.number[0] + hidden[1:] if self.kind == "card" else hidden

    def described(self) -> dict[str, str]:
        return {"kind": self.kind, "brand": self.brand, "last4": self.number[-4:]}


@dataclass(frozen=True)
class Answer:
    """One ``transact.php`` answer; ``fields`` is NMI's order, response code last."""

    response: str
    responsetext: str
    response_code: str
    transactionid: str = ""
    authcode: str = ""
    avsresponse: str = ""
    cvvresponse: str = ""
    orderid: str = ""
    type: str = ""
    customer_vault_id: str | None = None
    lean: bool = False  # the answer of a gateway that leaves out empty fields (INT-7)

    def fields(self) -> list[tuple[str, str]]:
        pairs = [(k, v) for k, v in asdict(self).items() if k not in _LAST]
        if self.lean:  # no empty optional field, and one the hub does not know
            pairs = [(k, v) for k, v in pairs if v or k == "responsetext"]
            pairs.append((UNKNOWN_FIELD, ""))
        pairs.append(("response_code", self.response_code))
        if self.customer_vault_id is not None:
            pairs.append(("customer_vault_id", self.customer_vault_id))
        return pairs


_LAST = ("response_code", "customer_vault_id", "lean")
UNKNOWN_FIELD = "emv_auth_response_data"  # a field newer NMI answers carry; the hub ignores it


@dataclass
class _Customer:
    source: Source
    contact: dict[str, str]


@dataclass(frozen=True)
class _Action:
    action_type: str
    amount: Decimal
    response_code: str
    response_text: str
    date: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%d%H%M%S"))


@dataclass
class _Transaction:
    id: str
    type: str
    amount: Decimal
    currency: str
    order_id: str
    condition: str
    vault_id: str
    source: Source = field(repr=False)
    at: float
    actions: list[_Action]
    parent: str = ""  # the sale a refund refunds
    refunded: Decimal = Decimal("0.00")
    stored_credential: dict[str, str] = field(default_factory=dict)  # as the sale sent them


class BngStore:
    """Tokens, vault and transactions of one sandbox gateway; safe across threads."""

    def __init__(
        self,
        *,
        security_key: str,
        duplicate_window_seconds: float = DEFAULT_DUPLICATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        lean_answers: bool = False,
        duplicate_override: bool = True,
    ) -> None:
        self.security_key = security_key
        self.duplicate_window = duplicate_window_seconds
        # NMI's partner setting "Allow Merchant Override": without it dup_seconds is ignored.
        self.duplicate_override = duplicate_override
        self.lean_answers = lean_answers  # answers leave out their empty fields (INT-7)
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._tokens: dict[str, Source] = {}
            self._vault: dict[str, _Customer] = {}
            self._transactions: dict[str, _Transaction] = {}
            self._next = dict(_FIRST)

    def authenticated(self, security_key: str) -> bool:
        return secrets.compare_digest(security_key.encode(), self.security_key.encode())

    def tokenize(self, source: Source) -> str:
        """What Collect.js does in the browser: card or account details for a one-use token."""
        token = "-".join(secrets.token_hex(n) for n in (4, 3, 3, 6))
        with self._lock:
            self._tokens[token] = source
        return token

    def transact(self, form: Mapping[str, str]) -> Answer:
        if not self.authenticated(form.get("security_key", "")):
            return Answer("3", AUTHENTICATION_FAILED, "300", lean=self.lean_answers)
        with self._lock:
            try:
                answer = self._transact(dict(form))
            except SandboxRefusal as refusal:
                answer = Answer("3", f"{refusal} REFID:{self._id('refid')}", "300")
        return replace(answer, lean=self.lean_answers)

    def _transact(self, form: dict[str, str]) -> Answer:
        kind = form.get("type", "")
        if form.get("customer_vault"):
            answer = self._vault_call(form["customer_vault"], form)
            if not kind:
                return answer
            form["customer_vault_id"] = answer.customer_vault_id or ""
        handler = {"sale": self._sale, "void": self._void, "refund": self._refund}.get(kind)
        if handler is None:
            raise SandboxRefusal(f"Invalid Transaction Type {kind}".strip())
        return handler(form)

    def _vault_call(self, action: str, form: dict[str, str]) -> Answer:
        vault_id = form.get("customer_vault_id", "")
        contact = {name: form[key] for key, name in _CONTACT.items() if key in form}
        if action == "add_customer":
            vault_id = vault_id or self._id("vault")
            if vault_id in self._vault:
                raise SandboxRefusal("Duplicate Customer Vault Id")
            self._vault[vault_id] = _Customer(self._redeem(form), contact)
            return Answer("1", "Customer Added", "100", customer_vault_id=vault_id)
        customer = self._vault.get(vault_id)
        if customer is None or action not in ("update_customer", "delete_customer"):
            raise SandboxRefusal("Invalid Customer Vault Id")
        if action == "delete_customer":
            del self._vault[vault_id]
            return Answer("1", "Customer Deleted", "100", customer_vault_id=vault_id)
        if form.get("payment_token"):
            customer.source = self._redeem(form)
        customer.contact.update(contact)
        return Answer("1", "Customer Update Successful", "100", customer_vault_id=vault_id)

    def _redeem(self, form: Mapping[str, str]) -> Source:
        """A payment token's card or account; a token works once."""
        source = self._tokens.pop(form.get("payment_token", ""), None)
        if source is None:
            raise SandboxRefusal("Invalid Payment Token")
        return source

    def _source_of(self, form: Mapping[str, str]) -> tuple[Source, str]:
        vault_id = form.get("customer_vault_id", "")
        if not vault_id:
            return self._redeem(form), ""
        customer = self._vault.get(vault_id)
        if customer is None:
            raise SandboxRefusal("Invalid Customer Vault Id")
        return customer.source, vault_id

    def _sale(self, form: Mapping[str, str]) -> Answer:
        amount = _amount(form.get("amount", ""))
        currency = (form.get("currency") or "USD").upper()
        if len(currency) != 3 or not currency.isalpha():
            raise SandboxRefusal("Invalid Currency")
        source, vault_id = self._source_of(form)
        credential = self._stored_credential(form, source)
        window = _dup_seconds(form, self.duplicate_window)
        if self._duplicate(source, amount, window if self.duplicate_override else None):
            raise SandboxRefusal(DUPLICATE_TRANSACTION)
        code, text = _decision(amount, source)
        sale = self._add(
            _Transaction(
                id=self._id("transaction"),
                type="sale",
                amount=amount,
                currency=currency,
                order_id=form.get("orderid", ""),
                condition="pendingsettlement" if code == APPROVED_CODE else "failed",
                vault_id=vault_id,
                source=source,
                at=self._clock(),
                actions=[_Action("sale", amount, code, text)],
                stored_credential=credential,
            )
        )
        return _answer(sale, code, text)

    def _stored_credential(self, form: Mapping[str, str], source: Source) -> dict[str, str]:
        """NMI's credential-on-file fields, checked: who started the charge, whether it stores
        or uses the credential, and (using it) the approved sale of the same card that stored
        it, which a merchant-initiated charge must name."""
        sent = {name: form[name] for name in STORED_CREDENTIAL_FIELDS if form.get(name)}
        if not sent:
            return {}
        initiated_by = sent.get("initiated_by", "")
        indicator = sent.get("stored_credential_indicator", "")
        first = sent.get("initial_transaction_id", "")
        if initiated_by not in INITIATORS:
            raise SandboxRefusal("initiated_by must be customer or merchant")
        if indicator not in STORED_CREDENTIAL_INDICATORS:
            raise SandboxRefusal("stored_credential_indicator must be stored or used")
        if sent.get("billing_method", "recurring") not in BILLING_METHODS:
            raise SandboxRefusal("billing_method must be recurring or installment")
        if indicator == "stored" and first:
            raise SandboxRefusal("initial_transaction_id is for a stored credential being used")
        if indicator == "used" and initiated_by == "merchant" and not first:
            raise SandboxRefusal("A merchant initiated transaction requires initial_transaction_id")
        initial = self._transactions.get(first) if first else None
        if first and not (
            initial is not None
            and initial.type == "sale"
            and initial.source == source
            and initial.actions[0].response_code == APPROVED_CODE
        ):
            raise SandboxRefusal("initial_transaction_id is not an approved sale of this card")
        return sent

    def _duplicate(self, source: Source, amount: Decimal, window: float | None) -> bool:
        """NMI's rule: the same card or account and amount again within the window (its
        ``dup_seconds``, 0 for no check; None: the merchant's default window)."""
        window = self.duplicate_window if window is None else window
        now = self._clock()
        return any(
            t.type == "sale" and t.condition != "failed" and t.amount == amount
            for t in self._transactions.values()
            if t.source == source and now - t.at < window
        )

    def _void(self, form: Mapping[str, str]) -> Answer:
        voided = self._transaction(form)
        if voided.condition != "pendingsettlement":
            raise SandboxRefusal("Only transactions pending settlement can be voided")
        voided.condition = "canceled"
        voided.actions.append(_Action("void", voided.amount, "100", "Transaction Void Successful"))
        if voided.parent:
            self._transactions[voided.parent].refunded -= voided.amount
        return _answer(voided, "100", "Transaction Void Successful", kind="void")

    def _refund(self, form: Mapping[str, str]) -> Answer:
        sale = self._transaction(form)
        if sale.type != "sale" or sale.condition not in ("pendingsettlement", "complete"):
            raise SandboxRefusal("Refunds are allowed only on approved sales, not voided or failed")
        balance = sale.amount - sale.refunded
        amount = _amount(form["amount"]) if form.get("amount") else balance
        if amount > balance:
            raise SandboxRefusal("Refund amount may not exceed the transaction balance")
        sale.refunded += amount
        refund = self._add(
            replace(
                sale,
                id=self._id("transaction"),
                type="refund",
                amount=amount,
                condition="pendingsettlement",
                at=self._clock(),
                actions=[_Action("refund", amount, "100", "SUCCESS")],
                parent=sale.id,
                refunded=Decimal("0.00"),
                stored_credential={},
            )
        )
        return _answer(refund, "100", "SUCCESS")

    def _add(self, transaction: _Transaction) -> _Transaction:
        self._transactions[transaction.id] = transaction
        return transaction

    def _transaction(self, form: Mapping[str, str]) -> _Transaction:
        transaction = self._transactions.get(form.get("transactionid", ""))
        if transaction is None:
            raise SandboxRefusal("Transaction not found")
        return transaction

    def _id(self, kind: str) -> str:
        value = self._next[kind]
        self._next[kind] = value + 1
        return str(value)

    def settle(self, transaction_ids: Sequence[str] | None = None) -> dict[str, list[str]]:
        """Close the batch: pending settlement becomes complete, or failed for the bad account."""
        done: dict[str, list[str]] = {"settled": [], "failed": []}
        with self._lock:
            for t in self._transactions.values():
                if t.condition != "pendingsettlement":
                    continue
                if transaction_ids is not None and t.id not in transaction_ids:
                    continue
                if t.source.number == FAILING_ACCOUNT:
                    _fail(t, "R01 Insufficient Funds")
                    done["failed"].append(t.id)
                else:
                    t.condition = "complete"
                    t.actions.append(_Action("settle", t.amount, "100", "Settled"))
                    done["settled"].append(t.id)
        return done

    def fail(self, transaction_id: str, reason: str) -> None:
        """The bank refuses a payment after the sale (a frozen card, a closed account: PAY-7)."""
        with self._lock:
            transaction = self._transactions.get(transaction_id)
            if transaction is None:
                raise SandboxRefusal(f"Transaction {transaction_id} not found")
            if transaction.condition not in ("pendingsettlement", "complete"):
                raise SandboxRefusal(f"Transaction {transaction_id} is {transaction.condition}")
            _fail(transaction, reason)

    def transactions(self, ids: Sequence[str] | None, order_id: str | None) -> list[dict[str, Any]]:
        """The Query API's transactions matching every constraint given."""
        with self._lock:
            return [
                {
                    "transaction_id": t.id,
                    "order_id": t.order_id,
                    "condition": t.condition,
                    "actions": [asdict(a) | {"amount": str(a.amount)} for a in t.actions],
                }
                for t in self._transactions.values()
                if (ids is None or t.id in ids) and (order_id is None or t.order_id == order_id)
            ]

    def customers(self, vault_id: str | None) -> list[dict[str, str]]:
        """The Query API's customer vault report, numbers masked."""
        with self._lock:
            return [
                _customer_report(cid, customer)
                for cid, customer in self._vault.items()
                if vault_id is None or cid == vault_id
            ]

    def snapshot(self) -> dict[str, Any]:
        """Counts, transactions and vault entries; never more of a number than its last four."""
        with self._lock:
            transactions = [
                {
                    "id": t.id,
                    "type": t.type,
                    "amount": str(t.amount),
                    "currency": t.currency,
                    "orderid": t.order_id,
                    "condition": t.condition,
                    "customer_vault_id": t.vault_id,
                    "refunded": str(t.refunded),
                    "stored_credential": dict(t.stored_credential),
                }
                for t in self._transactions.values()
            ]
            vault = [
                {"customer_vault_id": i, **c.source.described()} for i, c in self._vault.items()
            ]
            counts = {"tokens": len(self._tokens), "vault": len(vault)}
            counts["transactions"] = len(transactions)
            return {"counts": counts, "transactions": transactions, "vault": vault}


def _amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise SandboxRefusal("Invalid amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise SandboxRefusal("Invalid amount")
    return amount


def _dup_seconds(form: Mapping[str, str], default: float) -> float:
    """NMI's ``dup_seconds`` overrides the window for one call; 0 turns the check off."""
    raw = form.get("dup_seconds")
    if raw is None:
        return default
    if not (raw.isdigit() and int(raw) <= MAX_DUP_SECONDS):
        raise SandboxRefusal(f"dup_seconds must be a whole number from 0 to {MAX_DUP_SECONDS}")
    return float(raw)


def _decision(amount: Decimal, source: Source) -> tuple[str, str]:
    if amount < DECLINE_BELOW:
        return "200", "DECLINE"
    if source.number == INSUFFICIENT_FUNDS_CARD:
        return "202", "Insufficient funds"
    return "100", "SUCCESS"


def _answer(transaction: _Transaction, code: str, text: str, *, kind: str = "") -> Answer:
    card_approved = code == APPROVED_CODE and transaction.source.kind == "card"
    return Answer(
        response="1" if code == "100" else "2",
        responsetext=text,
        response_code=code,
        transactionid=transaction.id,
        authcode=f"{int(transaction.id) % 1_000_000:06d}" if card_approved else "",
        avsresponse="N" if card_approved else "",
        orderid=transaction.order_id,
        type=kind or transaction.type,
    )


def _fail(transaction: _Transaction, reason: str) -> None:
    transaction.condition = "failed"
    action = "check_return" if transaction.source.kind == "check" else "chargeback"
    transaction.actions.append(_Action(action, transaction.amount, "300", reason))


def _customer_report(vault_id: str, customer: _Customer) -> dict[str, str]:
    source = customer.source
    card = source.kind == "card"
    contact = {name: customer.contact.get(name, "") for name in _CONTACT.values()}
    return {
        "customer_vault_id": vault_id,
        **contact,
        "cc_number": source.masked if card else "",
        "cc_type": source.brand if card else "",
        "check_account": "" if card else source.masked,
        "account_type": "" if card else source.brand,
    }
