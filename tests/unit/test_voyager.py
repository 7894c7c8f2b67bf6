"""The Voyager profile parser on hand-built normalised JSON (no browser, no simulator)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.voyager import PROFILE_DECORATION, parse_profile, profile_path, relationship_degree

NS = "com.linkedin.voyager.dash"
PROFILE_URN = "urn:li:fsd_profile:ACoAAB1234"


def _doc() -> dict[str, Any]:
    """A FullProfileWithEntities-shaped answer; entities deliberately out of order."""
    return {
        "data": {
            "$type": "com.linkedin.restli.common.CollectionResponse",
            "*elements": [PROFILE_URN],
        },
        "included": [
            {
                "$type": f"{NS}.identity.profile.Profile",
                "entityUrn": PROFILE_URN,
                "publicIdentifier": "ada-lovelace",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "headline": "Analyst of engines",
                "geoLocation": {"*geo": "urn:li:fsd_geo:101"},
                "*memberRelationship": "urn:li:fsd_memberRelationship:ACoAAB1234",
                "*profilePositionGroups": "urn:li:collectionResponse:groups",
                "profileEducations": {"*elements": ["urn:li:fsd_profileEducation:(ACoAAB1234,1)"]},
            },
            {
                "$type": "com.linkedin.restli.common.CollectionResponse",
                "entityUrn": "urn:li:collectionResponse:groups",
                "*elements": [
                    "urn:li:fsd_profilePositionGroup:(ACoAAB1234,1)",
                    "urn:li:fsd_profilePositionGroup:(ACoAAB1234,2)",
                ],
            },
            {
                "$type": f"{NS}.identity.profile.PositionGroup",
                "entityUrn": "urn:li:fsd_profilePositionGroup:(ACoAAB1234,2)",
                "profilePositionInPositionGroup": {
                    "*elements": ["urn:li:fsd_profilePosition:(ACoAAB1234,3)"]
                },
            },
            {
                "$type": f"{NS}.identity.profile.PositionGroup",
                "entityUrn": "urn:li:fsd_profilePositionGroup:(ACoAAB1234,1)",
                "profilePositionInPositionGroup": {
                    "*elements": [
                        "urn:li:fsd_profilePosition:(ACoAAB1234,1)",
                        "urn:li:fsd_profilePosition:(ACoAAB1234,2)",
                    ]
                },
            },
            {
                "$type": f"{NS}.identity.profile.Position",
                "entityUrn": "urn:li:fsd_profilePosition:(ACoAAB1234,2)",
                "title": "Assistant",
                "*company": "urn:li:fsd_company:7",
                "dateRange": {"start": {"year": 1840}, "end": {"year": 1842, "month": 6}},
            },
            {
                "$type": f"{NS}.identity.profile.Position",
                "entityUrn": "urn:li:fsd_profilePosition:(ACoAAB1234,1)",
                "title": "Lead Analyst",
                "companyName": "Analytical Engines Ltd",
                "*company": "urn:li:fsd_company:7",
                "locationName": "London",
                "dateRange": {"start": {"year": 1842, "month": 7}},
            },
            {
                "$type": f"{NS}.identity.profile.Position",
                "entityUrn": "urn:li:fsd_profilePosition:(ACoAAB1234,3)",
                "title": "Translator",
                "companyName": "Taylor's Scientific Memoirs",
                "dateRange": {"start": {"year": 1839, "month": 1}, "end": {"year": 1839}},
            },
            {
                "$type": f"{NS}.organization.Company",
                "entityUrn": "urn:li:fsd_company:7",
                "name": "Analytical Engines Ltd",
            },
            {
                "$type": f"{NS}.identity.profile.Education",
                "entityUrn": "urn:li:fsd_profileEducation:(ACoAAB1234,1)",
                "*school": "urn:li:fsd_school:9",
                "degreeName": "Private tuition",
                "fieldOfStudy": {"text": "Mathematics"},
                "dateRange": {"start": {"year": 1829}, "end": {"year": 1835}},
            },
            {
                "$type": f"{NS}.organization.School",
                "entityUrn": "urn:li:fsd_school:9",
                "name": "Home",
            },
            {
                "$type": f"{NS}.common.Geo",
                "entityUrn": "urn:li:fsd_geo:101",
                "defaultLocalizedName": "London, England, United Kingdom",
            },
            {
                "$type": f"{NS}.relationships.MemberRelationship",
                "entityUrn": "urn:li:fsd_memberRelationship:ACoAAB1234",
                "memberRelationshipUnion": {"noConnection": {"memberDistance": "DISTANCE_2"}},
            },
            # Another member mentioned by the answer (e.g. a recommendation's author).
            {
                "$type": f"{NS}.identity.profile.Profile",
                "entityUrn": "urn:li:fsd_profile:ACoAAOTHER",
                "publicIdentifier": "charles-babbage",
                "firstName": "Charles",
                "lastName": "Babbage",
            },
        ],
    }


def test_profile_fields_and_references() -> None:
    result = parse_profile(_doc(), "ada-lovelace")
    assert result.public_identifier == "ada-lovelace"
    assert result.urn == PROFILE_URN
    assert (result.first_name, result.last_name, result.name) == ("Ada", "Lovelace", "Ada Lovelace")
    assert result.headline == "Analyst of engines"
    assert result.location == "London, England, United Kingdom"
    assert result.degree == "2nd"


def test_positions_follow_the_graph_order() -> None:
    positions = parse_profile(_doc(), "ada-lovelace").positions
    assert [p.title for p in positions] == ["Lead Analyst", "Assistant", "Translator"]
    lead, assistant, translator = positions
    assert (lead.company, lead.company_urn, lead.location) == (
        "Analytical Engines Ltd",
        "urn:li:fsd_company:7",
        "London",
    )
    assert (lead.start, lead.end) == ("1842-07", None)
    # No companyName: the name comes from the referenced Company entity.
    assert assistant.company == "Analytical Engines Ltd"
    assert (assistant.start, assistant.end) == ("1840", "1842-06")
    assert translator.company_urn is None
    assert (translator.start, translator.end) == ("1839-01", "1839")


def test_educations() -> None:
    (education,) = parse_profile(_doc(), "ada-lovelace").educations
    assert education.school == "Home"
    assert education.degree == "Private tuition"
    assert education.field_of_study == "Mathematics"
    assert (education.start, education.end) == ("1829", "1835")


def test_public_id_match_is_case_insensitive_and_picks_the_right_profile() -> None:
    assert parse_profile(_doc(), "Ada-Lovelace").name == "Ada Lovelace"
    # The other member in `included` is found by its own id (no MemberRelationship).
    other = parse_profile(_doc(), "charles-babbage")
    assert other.name == "Charles Babbage"
    assert other.degree is None


@pytest.mark.parametrize(
    ("union", "degree"),
    [
        ({"noConnection": {"memberDistance": "DISTANCE_2"}}, "2nd"),
        ({"noConnection": {"memberDistance": "DISTANCE_3"}}, "3rd"),
        ({"noConnection": {"memberDistance": "OUT_OF_NETWORK"}}, "out_of_network"),
        ({"connection": {"*connection": "urn:li:fsd_connection:1"}}, "1st"),
        ({"connectedMember": {}}, "1st"),
        ({"self": {}}, "self"),
        ({"noConnection": {"memberDistance": "DISTANCE_9"}}, None),
        ({}, None),
    ],
)
def test_degree(union: dict[str, Any], degree: str | None) -> None:
    assert relationship_degree({"memberRelationshipUnion": union}) == degree
    doc = _doc()
    doc["included"][11]["memberRelationshipUnion"] = union
    assert parse_profile(doc, "ada-lovelace").degree == degree


def test_relationship_found_by_profile_id_when_not_linked() -> None:
    doc = _doc()
    del doc["included"][0]["*memberRelationship"]
    doc["included"][11]["memberRelationshipUnion"] = {"connection": {}}
    assert parse_profile(doc, "ada-lovelace").degree == "1st"


def test_positions_found_by_type_when_groups_are_missing() -> None:
    doc = _doc()
    del doc["included"][0]["*profilePositionGroups"]
    del doc["included"][0]["profileEducations"]
    result = parse_profile(doc, "ada-lovelace")
    assert {p.title for p in result.positions} == {"Lead Analyst", "Assistant", "Translator"}
    assert [e.school for e in result.educations] == ["Home"]


def test_dangling_references_and_sparse_profile() -> None:
    doc = {
        "data": {"*elements": ["urn:li:fsd_profile:X"]},
        "included": [
            {
                "$type": f"{NS}.identity.profile.Profile",
                "entityUrn": "urn:li:fsd_profile:X",
                "publicIdentifier": "sparse",
                "firstName": "Solo",
                "geoLocation": {"*geo": "urn:li:fsd_geo:missing"},
                "locationName": "Somewhere",
                "*profilePositionGroups": "urn:li:collectionResponse:missing",
                "*memberRelationship": "urn:li:fsd_memberRelationship:missing",
            }
        ],
    }
    result = parse_profile(doc, "sparse")
    assert (result.name, result.last_name, result.headline) == ("Solo", None, None)
    assert result.location == "Somewhere"
    assert result.positions == [] and result.educations == [] and result.degree is None


def test_profile_located_through_data_when_public_id_differs() -> None:
    # A renamed profile answers with its new public id.
    doc = _doc()
    doc["included"] = [e for e in doc["included"] if "OTHER" not in e.get("entityUrn", "")]
    assert parse_profile(doc, "ada-old-slug").public_identifier == "ada-lovelace"


def test_no_profile_is_profile_not_found() -> None:
    doc = copy.deepcopy(_doc())
    doc["included"] = [e for e in doc["included"] if not e["$type"].endswith(".Profile")]
    with pytest.raises(TouchpointError) as err:
        parse_profile(doc, "ada-lovelace")
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND


def test_profile_path_encodes_the_id() -> None:
    path = profile_path("jöhn doe/x")
    assert path.startswith("/voyager/api/identity/dash/profiles?q=memberIdentity&memberIdentity=")
    assert "j%C3%B6hn%20doe%2Fx" in path
    assert path.endswith("&decorationId=" + PROFILE_DECORATION)
