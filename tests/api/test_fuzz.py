"""Property-based fuzzing of every operation in /openapi.json, with a valid key.

Bounded (a few hundred requests): no answer may be a 5xx, and every 4xx must be
problem+json with type, title, status and detail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.support.live import LiveServer

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An API-only server with one account, shared by every fuzzed operation."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    server_settings = Settings(
        data_dir=data_dir,
        api_keys=API_KEY,
        pace="fast",
        linkedin_base_url="https://www.linkedin.com",
        # Webhook URLs are then not resolved: random host names must not reach a DNS server.
        webhook_allow_private=True,
    )
    with LiveServer(create_app(server_settings, worker=False)) as live:
        httpx.post(
            f"{live.url}/accounts",
            json={"handle": "jane", "li_at": "cookie"},
            headers={"X-API-Key": API_KEY},
        ).raise_for_status()
        yield live.url


def _check(case: schemathesis.Case, base_url: str, statuses: Counter[int]) -> None:
    # The generated X-API-Key header (from the security scheme) is replaced by a valid key:
    # the point is to fuzz what an authorised client can send.
    case.headers = {**(case.headers or {}), "X-API-Key": API_KEY}
    response = case.call(base_url=base_url, timeout=30)
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, (where, case.body, response.text)
    statuses[response.status_code // 100] += 1
    if 400 <= response.status_code < 500:
        kind = response.headers.get("content-type", [""])[0]
        assert kind.startswith("application/problem+json"), (where, response.text)
        body = response.json()
        missing = {"type", "title", "status", "detail"} - set(body)
        assert not missing, (where, body)
        assert body["status"] == response.status_code, (where, body)


EDGE_INTEGERS = (0, -1, 2**31, 2**63 - 1, 2**63, 10**20, -(10**20))


def _no_long_poll(operation: schemathesis.APIOperation) -> dict[str, dict[str, object]]:
    """Long-polls (`wait`) would only make the fuzzer wait: they answer at once here."""
    names = {p.name for p in operation.iter_parameters() if p.location == "query"}
    return {"query": {"wait": 0}} if "wait" in names else {}


def _edges(operation: schemathesis.APIOperation) -> list[dict[str, dict[str, object]]]:
    """Strategy overrides that set one integer path or query parameter to an edge value."""
    where = {"path": "path_parameters", "query": "query"}
    names = {p.name for p in operation.iter_parameters() if p.location == "query"}
    out: list[dict[str, dict[str, object]]] = []
    for param in operation.iter_parameters():
        schema = param.definition.get("schema", {})
        kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
        if "integer" in kinds and param.location in where:
            for value in EDGE_INTEGERS:
                override: dict[str, dict[str, object]] = {
                    where[param.location]: {param.name: value}
                }
                if param.location == "query" and "wait" in names:
                    override["query"]["wait"] = 0
                elif "wait" in names:
                    override["query"] = {"wait": 0}
                out.append(override)
    return out


def test_no_5xx_and_every_4xx_is_problem_json(fuzz_server: str) -> None:
    spec = httpx.get(f"{fuzz_server}/openapi.json", headers={"X-API-Key": API_KEY}).json()
    operations = [
        result.ok() for result in schemathesis.openapi.from_dict(spec).get_all_operations()
    ]
    assert len(operations) >= 15
    statuses: Counter[int] = Counter()
    plan = [(op, mode, _no_long_poll(op)) for op in operations for mode in GenerationMode]
    # Random integers rarely reach the edges where databases overflow: try those on purpose.
    plan += [(op, GenerationMode.POSITIVE, edge) for op in operations for edge in _edges(op)]
    for operation, mode, overrides in plan:

        @given(case=operation.as_strategy(generation_mode=mode, **overrides))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION if not overrides else 2,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case: schemathesis.Case) -> None:
            _check(case, fuzz_server, statuses)

        try:
            fuzz()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing invalid to send (no inputs)
    # The fuzzing reached the handlers, not only the validators.
    assert statuses[2] >= 10 and statuses[4] >= 50, statuses
