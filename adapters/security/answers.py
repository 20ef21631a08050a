"""Kept idempotent answers encrypted at rest with Fernet, under a key of their own.

The key is derived from ``Q2C_SECRET_KEY`` with another label than the credential vault's, so
neither kind of ciphertext opens with the other's key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from adapters.security.vault import VaultKeyMissing


class FernetAnswerSealer:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise VaultKeyMissing("Q2C_SECRET_KEY must be at least 16 characters")
        digest = hashlib.sha256(b"q2c idempotent answers\0" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise VaultKeyMissing(
                "a kept answer cannot be opened with this Q2C_SECRET_KEY"
            ) from None
