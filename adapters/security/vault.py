"""Credentials encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from domain.integrations.connection import SealedCredentials, mask


class VaultKeyMissing(RuntimeError):
    pass


class FernetVault:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise VaultKeyMissing("Q2C_SECRET_KEY must be at least 16 characters")
        digest = hashlib.sha256(b"q2c credential vault\0" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, credentials: Mapping[str, str]) -> SealedCredentials:
        plaintext = json.dumps(dict(credentials), sort_keys=True).encode()
        return SealedCredentials(
            ciphertext=self._fernet.encrypt(plaintext),
            masked={name: mask(value) for name, value in credentials.items()},
        )

    def open(self, sealed: SealedCredentials) -> dict[str, str]:
        try:
            opened: dict[str, str] = json.loads(self._fernet.decrypt(sealed.ciphertext))
        except InvalidToken:
            raise VaultKeyMissing(
                "stored credentials cannot be opened with this Q2C_SECRET_KEY"
            ) from None
        return opened


def local_secret_key(path: Path) -> str:
    """The embedded hub's key: made once, kept beside its database, readable by its owner only."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
