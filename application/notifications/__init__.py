"""Notifications: payment received, payment failed, settlement failed (PAY-13)."""
