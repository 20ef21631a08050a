"""Catalog: the products, services and labor a tenant quotes, and their categories (CAT-1)."""
