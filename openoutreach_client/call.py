"""A request described as data, and how to read its answer: the one thing both clients share.

Every endpoint is a function returning a `Call`; the sync and the async client differ only in
how they send it. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from openoutreach_client.errors import raise_for_problem

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request to the server and the parser of its successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = field(default=None, repr=False)  # may hold a password: never in a repr
    headers: Mapping[str, str] = field(default_factory=dict)
    # Seconds the server may hold the answer (long-poll): added to the read timeout.
    server_wait_s: float = 0.0

    def with_params(self, **params: Any) -> Call[T]:
        """The same call with some query parameters replaced (e.g. the next page's cursor)."""
        return replace(self, params={**self.params, **params})

    def build(
        self, http: httpx.Client | httpx.AsyncClient, base_url: str, timeout: httpx.Timeout
    ) -> httpx.Request:
        """The httpx request, on `base_url`, its read timeout stretched by any server wait."""
        if self.server_wait_s:
            read = (timeout.read or 0.0) + self.server_wait_s
            timeout = httpx.Timeout(
                connect=timeout.connect, read=read, write=timeout.write, pool=timeout.pool
            )
        params = {
            k: [_param(item) for item in v] if isinstance(v, list | tuple) else _param(v)
            for k, v in self.params.items()
            if v is not None
        }
        return http.build_request(
            self.method,
            base_url.rstrip("/") + self.path,
            params=params,
            json=self.json,
            headers=dict(self.headers),
            timeout=timeout,
        )

    def read(self, response: httpx.Response) -> T:
        """The parsed answer; an error status raises the matching `ApiError`."""
        raise_for_problem(response)
        return self.parse(response)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def segment(value: str | int) -> str:
    """A path segment, percent-encoded so no value can reach another path."""
    return quote(str(value), safe="")


def as_model(model: type[M]) -> Callable[[httpx.Response], M]:
    """Parse the JSON body as `model`."""
    return lambda response: model.model_validate_json(response.content)


def as_list(model: type[M]) -> Callable[[httpx.Response], list[M]]:
    """Parse the JSON body as a list of `model`."""
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    return lambda response: adapter.validate_json(response.content)


def as_none(_: httpx.Response) -> None:
    """The answer has no body worth reading (204)."""
    return None


def as_bytes(response: httpx.Response) -> bytes:
    """The raw body (artifacts)."""
    return response.content


def body(**fields: Any) -> dict[str, Any]:
    """A JSON body of the given fields, without those left at None."""
    return {k: v for k, v in fields.items() if v is not None}


class _Unset(Enum):
    UNSET = "UNSET"


UNSET = _Unset.UNSET
"""A field left out of a PATCH (None there means: set it to null)."""
Unset = Literal[_Unset.UNSET]


def changes(**fields: Any) -> dict[str, Any]:
    """A PATCH body of the fields given, None kept as null."""
    return {k: v for k, v in fields.items() if v is not UNSET}
