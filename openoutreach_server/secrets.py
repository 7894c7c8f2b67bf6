"""Encryption at rest for account secrets, and the bootstrap of keys kept in the data dir."""

from __future__ import annotations

import contextlib
import json
import os
import secrets as _secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


def _write_private(path: Path, content: str) -> None:
    """Create `path` with mode 0600 before any byte of the secret is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def load_or_create_key(data_dir: Path, configured: str | None) -> bytes:
    """Return the Fernet key: OO_SECRET_KEY, else `$OO_DATA_DIR/secret.key` (made on first use)."""
    if configured:
        return configured.encode()
    path = data_dir / "secret.key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    with contextlib.suppress(FileExistsError):  # another process created it first
        _write_private(path, Fernet.generate_key().decode())
    return path.read_bytes().strip()


def load_or_create_api_keys(data_dir: Path, configured: str | None) -> tuple[list[str], str | None]:
    """Return the accepted API keys and, if one was just generated, that key (to print once)."""
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
        if keys:
            return keys, None
    path = data_dir / "api_key"
    generated: str | None = None
    if not path.exists():
        candidate = "oo_" + _secrets.token_urlsafe(32)
        try:
            _write_private(path, candidate + "\n")
            generated = candidate
        except FileExistsError:
            pass
    return [path.read_text().strip()], generated


class SecretBox:
    """Encrypts and decrypts small secrets (passwords, cookies, storage state)."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise ValueError("OO_SECRET_KEY is not a valid Fernet key") from exc

    def seal(self, value: str) -> bytes:
        """Encrypt a string."""
        return self._fernet.encrypt(value.encode())

    def open(self, token: bytes) -> str:
        """Decrypt what `seal` produced."""
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured key") from exc

    def seal_json(self, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value."""
        return self.seal(json.dumps(value, separators=(",", ":")))

    def open_json(self, token: bytes) -> Any:
        """Decrypt a value sealed by `seal_json`."""
        return json.loads(self.open(token))
