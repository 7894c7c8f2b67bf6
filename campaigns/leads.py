"""Leads: who a campaign reaches, read from a CSV (`profile_url` plus any other columns).

Every column but `profile_url` (also accepted as `linkedin_url`) and `account` becomes a
field the flow's texts can use (`{first_name}`). A lead is known by its key, the profile's
public identifier in lower case (`https://www.linkedin.com/in/Jane-Doe/` -> `jane-doe`): the
key names its workflow, and the server's events name the member the same way.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

URL_COLUMNS = ("profile_url", "linkedin_url")
ACCOUNT_COLUMN = "account"
_PROFILE = re.compile(r"^https?://[^/\s]+/in/([^/?#\s]+)/?(?:[?#].*)?$")
_KEY = re.compile(r"^[\w-]{1,100}$")


class Lead(BaseModel):
    """One member to reach: the profile URL, an optional account of its own, text fields."""

    model_config = ConfigDict(frozen=True)

    profile_url: str
    account: str | None = None
    fields: dict[str, str] = {}

    @property
    def key(self) -> str:
        """The profile's public identifier, lower case."""
        return lead_key(self.profile_url)


def lead_key(profile_url: str) -> str:
    """`https://www.linkedin.com/in/Jane-Doe/` -> `jane-doe`; ValueError if not a profile URL."""
    match = _PROFILE.match(profile_url.strip())
    if match is None or not _KEY.match(match.group(1)):
        raise ValueError(f"{profile_url!r} is not a LinkedIn profile URL (https://<host>/in/<id>/)")
    return match.group(1).lower()


def member_key(public_identifier: str) -> str:
    """The lead key of a member named by an event's `public_identifier`."""
    return public_identifier.strip().lower()


@dataclass
class LeadFile:
    """A leads file as read: its leads (duplicates dropped), columns, and what was wrong."""

    leads: list[Lead] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def read_leads(path: Path) -> LeadFile:
    """Read a CSV of leads; errors name the line, a second row of one profile is dropped."""
    out = LeadFile()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        url_column = next((c for c in URL_COLUMNS if c in header), None)
        if url_column is None:
            out.errors.append(f"{path}: no profile_url column (header: {', '.join(header)})")
            return out
        out.columns = {h for h in header if h and h not in (*URL_COLUMNS, ACCOUNT_COLUMN)}
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            values = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            url = values.get(url_column, "")
            try:
                key = lead_key(url)
            except ValueError as exc:
                out.errors.append(f"line {line}: {exc}")
                continue
            if key in seen:
                out.duplicates.append(key)
                continue
            seen.add(key)
            fields = {k: v for k, v in values.items() if k in out.columns}
            account = values.get(ACCOUNT_COLUMN) or None
            out.leads.append(Lead(profile_url=url, account=account, fields=fields))
    return out


def pack(leads: Iterable[Lead]) -> str:
    """Leads as one compact string (zlib + base64 of their JSON): a campaign of 10,000 leads
    stays far below Temporal's 2 MB payload limit. Deterministic, so workflows may use it."""
    rows = [lead.model_dump(exclude_defaults=True) for lead in leads]
    raw = json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def unpack(packed: str) -> list[Lead]:
    """The leads `pack` packed."""
    if not packed:
        return []
    rows = json.loads(zlib.decompress(base64.b64decode(packed)))
    return [Lead.model_validate(row) for row in rows]
