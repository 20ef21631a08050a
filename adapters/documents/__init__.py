"""Documents the hub renders itself: the customer-facing quote PDF (QUO-7), with reportlab."""
