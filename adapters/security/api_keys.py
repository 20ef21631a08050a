"""API key secrets: ``q2c_<prefix>_<secret>``; only a SHA-256 of the whole key is stored.

The secret has 256 bits of entropy, so a fast hash is the right tool (as for any random token);
the public prefix finds the row without scanning, and the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from application.identity.ports import IssuedSecret

_SHAPE = re.compile(r"^q2c_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$")


class Sha256ApiKeySecrets:
    def issue(self) -> IssuedSecret:
        prefix = secrets.token_hex(6)
        plaintext = f"q2c_{prefix}_{secrets.token_urlsafe(32)}"
        return IssuedSecret(plaintext=plaintext, prefix=prefix, secret_hash=_digest(plaintext))

    def prefix_of(self, presented: str) -> str | None:
        match = _SHAPE.match(presented)
        return match.group(1) if match else None

    def matches(self, presented: str, secret_hash: str) -> bool:
        return hmac.compare_digest(_digest(presented), secret_hash)


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
