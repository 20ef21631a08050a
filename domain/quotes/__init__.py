"""Quotes: lines, discounts, totals and the draft → published → won | lost life (QUO-1, QUO-2)."""
