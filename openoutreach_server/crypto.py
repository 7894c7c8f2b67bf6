"""Encryption at rest for account secrets, and the bootstrap of keys kept in the data dir."""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyFileError(RuntimeError):
    """A key file is unusable (empty, unreadable), or the key cannot open stored secrets."""


def write_private_once(path: Path, content: str) -> bool:
    """Create `path` (mode 0600) holding `content`, atomically; False if it already exists.

    The content goes to a private temporary file first and is then hard-linked into
    place, so a concurrent reader never sees a half-written (or empty) key file and two
    processes starting at once agree on one key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _read_key_file(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise KeyFileError(f"{path} is empty; restore it from a backup or delete it")
    return value


def load_or_create_key(data_dir: Path, configured: str | None) -> tuple[bytes, bool]:
    """The Fernet key: OO_SECRET_KEY, else `$OO_DATA_DIR/secret.key` (made on first use).

    Returns (key, created): `created` is True when this call generated a new key file.
    """
    if configured:
        return configured.encode(), False
    path = data_dir / "secret.key"
    created = False
    if not path.exists():
        created = write_private_once(path, Fernet.generate_key().decode())
    return _read_key_file(path).encode(), created


def load_api_keys(data_dir: Path, configured: str | None) -> list[str]:
    """The accepted API keys: OO_API_KEYS, else the one in `$OO_DATA_DIR/api_key` ([] if none)."""
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
        if keys:
            return keys
    path = data_dir / "api_key"
    return [_read_key_file(path)] if path.exists() else []


def load_or_create_api_keys(data_dir: Path, configured: str | None) -> tuple[list[str], str | None]:
    """Return the accepted API keys and, if one was just generated, that key (to print once)."""
    keys = load_api_keys(data_dir, configured)
    if keys:
        return keys, None
    candidate = "oo_" + secrets.token_urlsafe(32)
    generated = candidate if write_private_once(data_dir / "api_key", candidate + "\n") else None
    return load_api_keys(data_dir, None), generated


class SecretBox:
    """Encrypts and decrypts small secrets (passwords, cookies, storage state)."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise ValueError("OO_SECRET_KEY is not a valid Fernet key") from exc
        self._key = key

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte key for another use (e.g. signing UI sessions), derived from the secret
        key with HKDF: the same in every process sharing the key, and telling nothing of it."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, value: str) -> bytes:
        """Encrypt a string."""
        return self._fernet.encrypt(value.encode())

    def open(self, token: bytes) -> str:
        """Decrypt what `seal` produced."""
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured key") from exc

    def can_open(self, token: bytes) -> bool:
        """Whether this key decrypts `token` (checked at start against stored secrets)."""
        try:
            self._fernet.decrypt(token)
        except InvalidToken:
            return False
        return True

    def seal_json(self, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value."""
        return self.seal(json.dumps(value, separators=(",", ":")))

    def open_json(self, token: bytes) -> Any:
        """Decrypt a value sealed by `seal_json`."""
        return json.loads(self.open(token))


def key_matches(presented: str | None, accepted: Collection[str]) -> bool:
    """Constant-time check of a presented key against every accepted one."""
    given = (presented or "").encode()
    ok = False
    for key in accepted:
        # Compare against every key so timing does not reveal which one matched.
        ok |= hmac.compare_digest(given, key.encode())
    return bool(presented) and ok
