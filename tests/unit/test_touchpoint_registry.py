"""The touchpoint registry is complete and everything else agrees with it: the input union,
the dispatch, the caps the server enforces, the OpenAPI examples and the README."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from linkedin.touchpoints import models, registry
from linkedin.touchpoints.registry import (
    DEFAULT_CAPS,
    SIDE_EFFECTING,
    SPECS,
    TOUCHPOINT_TYPES,
    Caps,
    TouchpointSpec,
    spec_for,
)
from linkedin.touchpoints.runner import supported_types
from openoutreach_server import safety
from openoutreach_server.schemas import QuotaType

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_input_of_the_union_is_registered_once_in_order() -> None:
    union = get_args(models.AnyTouchpoint)
    assert [spec.input for spec in SPECS] == list(union)
    assert tuple(model.model_fields["type"].default for model in union) == TOUCHPOINT_TYPES
    assert len(set(TOUCHPOINT_TYPES)) == len(SPECS)
    assert {spec.result for spec in SPECS}.isdisjoint(union)
    assert len({spec.result for spec in SPECS}) == len(SPECS)  # one result model each


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_spec_is_complete(spec: TouchpointSpec[BaseModel, BaseModel]) -> None:
    assert spec_for(spec.type) is spec
    assert issubclass(spec.result, BaseModel)
    assert inspect.iscoroutinefunction(spec.handler)
    assert list(inspect.signature(spec.handler).parameters) == ["page", "touchpoint", "ctx"]
    assert spec.summary and "\n" not in spec.summary and spec.summary.endswith(".")
    # The registry's facts are what the rest of the project reads.
    assert (spec.type in SIDE_EFFECTING) == spec.side_effecting
    assert DEFAULT_CAPS.get(spec.type, {}) == spec.caps.windows()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_openapi_examples_cover_the_type(spec: TouchpointSpec[BaseModel, BaseModel]) -> None:
    examples = spec.input.model_json_schema().get("examples", [])
    assert examples, f"{spec.input.__name__} has no example for /docs"
    for example in examples:
        assert example["type"] == spec.type
        assert isinstance(models.parse_touchpoint(example), spec.input)


def test_derived_names_agree() -> None:
    assert supported_types() == frozenset(TOUCHPOINT_TYPES)
    assert {"connect", "withdraw", "message", "react", "comment", "inmail"} == SIDE_EFFECTING
    # Importers of the older homes get the registry's values.
    assert models.SIDE_EFFECTING is registry.SIDE_EFFECTING
    assert models.TOUCHPOINT_TYPES is registry.TOUCHPOINT_TYPES
    assert safety.DEFAULT_CAPS is registry.DEFAULT_CAPS
    with pytest.raises(AttributeError):
        _ = models.NO_SUCH_NAME  # type: ignore[attr-defined]


def test_caps_are_windows_the_rules_know_and_overridable_by_type() -> None:
    for caps in DEFAULT_CAPS.values():
        assert caps and set(caps) <= set(safety.WINDOWS)
        assert all(cap > 0 for cap in caps.values())
    # Per-account overrides are accepted exactly for the capped touchpoints.
    assert set(get_args(QuotaType)) == set(DEFAULT_CAPS)
    assert DEFAULT_CAPS["connect"] == {"hour": 20, "day": 40, "week": 150}  # SPEC §7


def test_a_spec_must_name_its_input_models_type() -> None:
    with pytest.raises(ValueError, match="declares type 'connect'"):
        TouchpointSpec("visit", models.ConnectInput, models.VisitResult, registry.visit)
    with pytest.raises(ValueError, match="negative"):
        TouchpointSpec(
            "visit", models.VisitInput, models.VisitResult, registry.visit, caps=Caps(day=-1)
        )


def test_readme_lists_every_touchpoint_and_its_default_caps() -> None:
    text = README.read_text()
    section = text.split("### Touchpoints", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)
    assert rows == list(TOUCHPOINT_TYPES)
    flat = " ".join(text.split())
    units = {"hour": "h", "day": "day", "week": "week"}
    for type_, caps in DEFAULT_CAPS.items():
        said = f"{type_} " + ", ".join(f"{cap}/{units[w]}" for w, cap in caps.items())
        assert said in flat, f"README's safety section should say {said!r}"
