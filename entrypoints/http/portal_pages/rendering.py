"""Jinja2 through Litestar's template support: autoescaped, the portal's filters registered."""

from __future__ import annotations

from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from domain.shared.money import Money

TEMPLATES = Path(__file__).parent / "templates"


def money(value: Money) -> str:
    return f"{value.amount:,} {value.currency.value}"


def _register(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["money"] = money


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_register
    )
