"""Mailers (PAY-13): an SMTP server, or the local mailbox the embedded hub writes to."""
