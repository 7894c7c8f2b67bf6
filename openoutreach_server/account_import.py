"""Accounts in bulk from a YAML file: checked like the API, planned, then written at once.

Each entry is validated with the API's own models (AccountCreate for a new handle,
AccountPatch for an existing one) and compared with the stored account, so a plan says per
account `create`, `update` (with the fields that change), `unchanged` or `error`. Applying
writes every create and update in one transaction, or nothing. `${VAR}` in a value is
replaced by that environment variable, so secrets need not sit in the file. Secrets are
never echoed: the plan says `password: set`, never the value.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr, ValidationError

from openoutreach_server import accounts
from openoutreach_server.config import Settings
from openoutreach_server.crypto import SecretBox
from openoutreach_server.errors import Invalid
from openoutreach_server.schemas import HANDLE_PATTERN, AccountCreate, AccountPatch
from openoutreach_server.store.records import AccountExists, AccountRecord
from openoutreach_server.store.sql.accounts import Plan as AccountPlan
from openoutreach_server.validation import validation_errors

Action = Literal["create", "update", "unchanged", "error"]
# Write-only fields and the sealed column each is stored in.
SECRETS = {
    "password": "password_enc",
    "li_at": "li_at_enc",
    "proxy": "proxy_enc",
    "storage_state": "storage_state_enc",
}
_VAR = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ImportFileError(Exception):
    """The file cannot be read as an accounts file (missing, not YAML, wrong shape)."""


class EntryError(Exception):
    """One entry is invalid; the message names the entry and the field, never a value."""


class _Loader(yaml.SafeLoader):
    """YAML without base-60 numbers: `end: 17:30` stays the string a time of day is."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        value = self.construct_scalar(node)
        return value if ":" in str(value) else super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> Any:
        value = self.construct_scalar(node)
        return value if ":" in str(value) else super().construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)


@dataclass(frozen=True)
class Entry:
    """One account of the file, `${VAR}`s expanded; `problem` if it could not be expanded."""

    index: int  # 1-based position in the file
    handle: str | None
    fields: dict[str, Any] = field(repr=False)
    problem: str | None = None

    @property
    def label(self) -> str:
        """How messages name the entry: `entry 2 (jane)`."""
        return f"entry {self.index}" + (f" ({self.handle})" if self.handle else "")


@dataclass(frozen=True)
class Outcome:
    """What importing one entry does (or did)."""

    entry: Entry
    action: Action
    fields: tuple[str, ...] = ()  # changed (update) or given (create), secrets as `name: set`
    error: str | None = None
    relogin: bool = False  # new credentials: the account must log in again

    def line(self) -> str:
        """One line of the report."""
        if self.action == "error":
            return f"error      {self.entry.label}: {self.error}"
        text = f"{self.action:<10} {self.entry.handle}"
        if self.fields:
            text += f" (fields: {', '.join(self.fields)})"
        if self.relogin:
            text += "; credentials changed: it must log in again"
        return text


def read_file(path: Path, environ: Mapping[str, str] | None = None) -> list[Entry]:
    """The entries of an accounts file (`accounts:` list); ImportFileError if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ImportFileError(f"cannot read {path}: {reason}") from exc
    try:
        document = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        # Only the position and the problem: the parser's snippet could show a secret.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ImportFileError(f"{path} is not valid YAML{where}: {problem}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise ImportFileError(f"{path}: expected a mapping with an `accounts:` list")
    unknown = sorted(str(key) for key in document if key != "accounts")
    if unknown:
        raise ImportFileError(f"{path}: unknown top-level key(s): {', '.join(unknown)}")
    env = os.environ if environ is None else environ
    return [_entry(index, raw, env) for index, raw in enumerate(document["accounts"], 1)]


def _entry(index: int, raw: Any, env: Mapping[str, str]) -> Entry:
    if not isinstance(raw, dict):
        return Entry(index, None, {}, "must be a mapping of account fields")
    handle = raw.get("handle") if isinstance(raw.get("handle"), str) else None
    try:
        fields = {str(k): _expand(v, str(k), env) for k, v in raw.items()}
    except EntryError as exc:
        return Entry(index, handle, {}, str(exc))
    return Entry(index, fields["handle"] if handle is not None else None, fields)


def _expand(value: Any, where: str, env: Mapping[str, str]) -> Any:
    """Replace `${VAR}` in every string by the environment variable (`$${` is a literal `${`)."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "${"
            if name not in env:
                raise EntryError(f"{where}: environment variable {name} is not set")
            return env[name]

        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{where}.{i}", env) for i, v in enumerate(value)]
    return value


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """The entry as the API's model, or EntryError naming each bad field (never its value)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in validation_errors(exc.errors()):
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown field {err['field']!r}")
            else:
                problems.append(f"{err['field']}: {err['message']}")
        raise EntryError("; ".join(problems)) from None


def _given(body: BaseModel, names: Sequence[str]) -> tuple[str, ...]:
    """Field names for the report, in the model's order; secrets as `password: set`."""
    out = []
    for name in type(body).model_fields:
        if name in names and name != "handle":
            if name in SECRETS:
                out.append(f"{name}: {'set' if getattr(body, name) is not None else 'unset'}")
            else:
                out.append(name)
    return tuple(out)


def _plain(value: Any) -> Any:
    """A secret as stored before sealing (to compare with the opened stored one)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    return value


def changed_fields(box: SecretBox, current: AccountRecord, body: AccountPatch) -> list[str]:
    """The fields of `body` that differ from the stored account (secrets compared opened)."""
    changed = []
    for name in type(body).model_fields:
        if name not in body.model_fields_set:
            continue
        given = getattr(body, name)
        if name in SECRETS:
            sealed = getattr(current, SECRETS[name])
            if sealed is None:
                stored = None
            elif name == "storage_state":
                stored = box.open_json(sealed)
            else:
                stored = box.open(sealed)
            if stored != (None if given is None else _plain(given)):
                changed.append(name)
            continue
        # The service's own field building says what this field would store.
        alone = AccountPatch.model_construct(_fields_set={name}, **{name: given})
        stored_value = accounts._fields(box, current, alone)
        if name in stored_value and stored_value[name] != getattr(current, name):
            changed.append(name)
    return changed


def decide(
    entry: Entry, current: AccountRecord | None, box: SecretBox, now: float
) -> tuple[Outcome, dict[str, Any]]:
    """Validate one entry against the account it names (None: a new one): the outcome, and
    the values to insert or the changes to apply. EntryError if the entry is invalid."""
    if entry.problem:
        raise EntryError(entry.problem)
    if current is None:
        body = _validated(AccountCreate, entry.fields)
        given = _given(body, sorted(body.model_fields_set))
        return Outcome(entry, "create", given), accounts.new_values(box, body, now)
    patch = _validated(AccountPatch, {k: v for k, v in entry.fields.items() if k != "handle"})
    changed = changed_fields(box, current, patch)
    if not changed:
        return Outcome(entry, "unchanged"), {}
    only = AccountPatch.model_validate({k: v for k, v in entry.fields.items() if k in changed})
    try:
        values = accounts.patch_values(box, current, only, now)
    except Invalid as exc:
        raise EntryError(str(exc)) from None
    relogin = bool(accounts.CREDENTIALS & set(changed))
    return Outcome(entry, "update", _given(only, changed), relogin=relogin), values


def plan(
    entries: Sequence[Entry], existing: Mapping[str, AccountRecord], box: SecretBox, now: float
) -> list[Outcome]:
    """What importing `entries` over the `existing` accounts would do; nothing is written."""
    outcomes = []
    first: dict[str, int] = {}
    for entry in entries:
        try:
            if entry.handle is not None and re.match(HANDLE_PATTERN, entry.handle):
                if entry.handle in first:
                    raise EntryError(f"handle {entry.handle!r} is also entry {first[entry.handle]}")
                first[entry.handle] = entry.index
            outcome, _ = decide(entry, existing.get(entry.handle or ""), box, now)
        except EntryError as exc:
            outcome = Outcome(entry, "error", error=str(exc))
        outcomes.append(outcome)
    return outcomes


def apply(
    store_import: Callable[[Mapping[str, AccountPlan]], Any],
    entries: Sequence[Entry],
    box: SecretBox,
    now: float,
) -> list[Outcome]:
    """Write every entry in the one transaction `store_import` opens (the account port's
    `import_accounts`): each is decided again against the locked account, so a change made
    since the dry run is seen; any invalid entry rolls everything back (EntryError)."""
    outcomes: dict[int, Outcome] = {}

    def planner(entry: Entry) -> AccountPlan:
        def plan_one(current: AccountRecord | None) -> Mapping[str, Any]:
            try:
                outcome, values = decide(entry, current, box, now)
            except EntryError as exc:
                raise EntryError(f"{entry.label}: {exc}") from None
            outcomes[entry.index] = outcome
            return values

        return plan_one

    by_handle = {entry.handle: planner(entry) for entry in entries if entry.handle}
    try:
        store_import(by_handle)
    except AccountExists as exc:  # made by someone else meanwhile: run the import again
        raise EntryError(str(exc)) from None
    return [outcomes[entry.index] for entry in entries]


def fresh_box() -> SecretBox:
    """A throwaway key, for a dry run where no database (and no key) exists yet: every
    entry is a create, and nothing it seals is kept."""
    return SecretBox(Fernet.generate_key())


def no_database_yet(settings: Settings) -> bool:
    """Whether the configured SQLite file does not exist (and no other database is set)."""
    return settings.database_url is None and not (settings.data_dir / "openoutreach.db").exists()


def run(settings: Settings, path: Path, *, write: bool, echo: Callable[..., None]) -> int:
    """The `accounts import` command: print the plan, and with `write` apply it.

    Returns the exit code: 0 done, 1 invalid entries (nothing written), 2 unreadable file.
    """
    try:
        entries = read_file(path)
    except ImportFileError as exc:
        echo(str(exc), err=True)
        return 2
    if not entries:
        echo(f"{path}: no accounts")
        return 0
    if not write and no_database_yet(settings):
        # A dry run creates nothing, not even the database or its key.
        echo(f"no database in {settings.data_dir.resolve()} yet: every account is new")
        return _report(plan(entries, {}, fresh_box(), time.time()), echo, written=False)

    from openoutreach_server.runtime import build_context

    ctx = build_context(settings)
    try:
        now = ctx.clock.now()
        existing = {record.handle: record for record in ctx.store.accounts.all()}
        outcomes = plan(entries, existing, ctx.box, now)
        if not write or any(o.action == "error" for o in outcomes):
            return _report(outcomes, echo, written=False)
        try:
            outcomes = apply(ctx.store.accounts.import_accounts, entries, ctx.box, now)
        except EntryError as exc:
            echo(f"error      {exc}")
            echo("nothing written")
            return 1
        if any(o.relogin for o in outcomes):
            ctx.accounts_changed()  # workers close contexts holding the replaced sessions
        return _report(outcomes, echo, written=True)
    finally:
        ctx.store.dispose()


def _report(outcomes: Sequence[Outcome], echo: Callable[..., None], *, written: bool) -> int:
    for outcome in outcomes:
        echo(outcome.line())
    counts = Counter(o.action for o in outcomes)
    summary = ", ".join(
        f"{counts[action]} {action}"
        for action in ("create", "update", "unchanged", "error")
        if counts[action]
    )
    if counts["error"]:
        echo(f"{summary}: nothing written (fix the entries above)")
        return 1
    if not written:
        echo(f"dry run: {summary}; nothing written (--apply writes it)")
        return 0
    echo(f"written in one transaction: {summary}")
    created = [o.entry.handle for o in outcomes if o.action == "create"]
    if created:
        names = ", ".join(str(handle) for handle in created)
        echo(f"new accounts need a login first (POST /accounts/{{handle}}/login): {names}")
    return 0
