"""The plan ``q2c bench payments`` fires, and the figures its answers add up to (no I/O)."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import click

SHARE_OVER = SHARE_TWIN = 0.2


@dataclass(frozen=True)
class Options:
    invoices: int
    requests: int
    concurrency: int
    tenants: int
    latency_ms: float
    gateway_faults: float
    seed: int


@dataclass(frozen=True)
class Planned:
    kind: str  # "normal" fits its invoice; "over" asks more than its total; "twin": a normal again
    invoice: int
    key: str
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    requests: list[Planned]  # in firing order: each twin right behind the request it repeats
    totals: list[Decimal]  # each invoice's total: exactly what its normal payments add up to

    def count(self, kind: str) -> int:
        return sum(1 for p in self.requests if p.kind == kind)


def make_plan(invoices: int, requests: int, seed: int) -> Plan:
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not secrets
    overs = round(requests * SHARE_OVER)
    twins = min(round(requests * SHARE_TWIN), requests - overs - 1)
    # Every tenant pays with the same test card, and the gateway refuses the same card and
    # amount twice within 20 minutes: so every normal payment has an amount of its own.
    normals = [
        Planned("normal", j % invoices, f"pay-{j}", Decimal(1000 + j).scaleb(-2))
        for j in range(requests - overs - twins)
    ]
    totals = [
        sum((p.amount for p in normals[i::invoices]), Decimal("0.00")) for i in range(invoices)
    ]
    totals = [total or Decimal("100.00") for total in totals]
    units = [[p] for p in normals]
    for j in rng.choices(range(len(normals)), k=twins):
        units[j].append(Planned("twin", normals[j].invoice, normals[j].key, normals[j].amount))
    for k in range(overs):
        units.append([Planned("over", k % invoices, f"over-{k}", totals[k % invoices] + 1)])
    rng.shuffle(units)
    return Plan([p for unit in units for p in unit], totals)


@dataclass(frozen=True)
class Answer:
    planned: Planned
    status: int  # 0: no answer at all
    outcome: str  # on 201 the payment's status, else the problem's code
    payment: str | None
    retries: int
    seconds: float


# --- the figures ---------------------------------------------------------------------------


def tally(answers: list[Answer]) -> tuple[Counter[str], Counter[str], list[str]]:
    """Outcomes, errors by status and code, and what the answers themselves break (PAY-15)."""
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    first: dict[str, str] = {}  # key -> the payment its first answer named
    broken: list[str] = []
    for a in answers:
        key = a.planned.key
        if a.status == 201 and a.payment is not None:
            if key in first:
                outcomes["replays"] += 1
                if first[key] != a.payment:
                    broken.append(f"key {key}: payments {first[key]} and {a.payment} (PAY-15)")
            else:
                first[key] = a.payment
                outcomes["accepted" if a.outcome == "approved" else a.outcome] += 1
        elif a.status == 422:
            outcomes["refused"] += 1
        else:
            outcomes["errors"] += 1
            errors[f"{a.status} {a.outcome}"] += 1
    return outcomes, errors, broken


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def report(options: Options, plan: Plan, answers: list[Answer], wall: float) -> dict[str, Any]:
    outcomes, errors, _ = tally(answers)
    seconds = [a.seconds for a in answers]
    return {
        "benchmark": "payments",
        "database": "postgresql",
        "tenants": options.tenants,
        "invoices": options.invoices,
        "requests": len(answers),
        "concurrency": options.concurrency,
        "gateway_latency_ms": options.latency_ms,
        "gateway_faults": options.gateway_faults,
        **{k: outcomes[k] for k in ("accepted", "refused", "replays", "declined", "pending")},
        "errors": outcomes["errors"],
        "errors_by_code": dict(errors),
        "retries": sum(a.retries for a in answers),
        "wall_s": round(wall, 3),
        "payments_per_s": round(outcomes["accepted"] / wall, 1) if wall else None,
        "requests_per_s": round(len(answers) / wall, 1) if wall else None,
        "p50_ms": round(_percentile(seconds, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(seconds, 0.95) * 1000, 1),
        "expected": {
            "accepted": plan.count("normal"),
            "refused": plan.count("over"),
            "replays": plan.count("twin"),
            "invoices_paid": len({p.invoice for p in plan.requests if p.kind == "normal"}),
        },
    }


def print_report(figures: dict[str, Any]) -> None:
    rows = {
        "requests": figures["requests"],
        "accepted": f"{figures['accepted']} (expected {figures['expected']['accepted']})",
        "refused by rule": f"{figures['refused']} (expected {figures['expected']['refused']})",
        "replays": f"{figures['replays']} (expected {figures['expected']['replays']})",
        "declined/pending": f"{figures['declined']}/{figures['pending']}",
        "errors": f"{figures['errors']} {figures['errors_by_code'] or ''}".strip(),
        "retries": figures["retries"],
        "wall time": f"{figures['wall_s']} s",
        "payments/s": figures["payments_per_s"],
        "latency p50/p95": f"{figures['p50_ms']} / {figures['p95_ms']} ms",
        "in the hub after": f"{figures['payments_in_hub']} "
        f"({figures['resolved_afterwards']} resolved at the gateway)",
    }
    for name, value in rows.items():
        click.echo(f"{name:<17} {value}")
    invariants = figures["invariants"]
    click.echo(f"invariants        {'clean' if invariants == 'clean' else len(invariants)}")
    for violation in [] if invariants == "clean" else invariants:
        click.echo(f"  {violation}")
    click.echo(json.dumps(figures))
