"""Voyager profile API of the simulator: normalised JSON, csrf check, recorded calls."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from linkedin_sim.state import Account, Profile, Relationship, SimState

router = APIRouter()

_NS = "com.linkedin.voyager.dash"
NORMALIZED = "application/vnd.linkedin.normalized+json+2.1"
_DISTANCE = {"2nd": "DISTANCE_2", "3rd": "DISTANCE_3"}


def _sim(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def _account(request: Request) -> Account | None:
    return _sim(request).account_by_li_at(request.cookies.get("li_at"))


def csrf_ok(request: Request) -> bool:
    """True when the csrf-token header equals the JSESSIONID cookie (quotes ignored)."""
    cookie = request.cookies.get("JSESSIONID", "").strip('"')
    header = request.headers.get("csrf-token", "").strip('"')
    return bool(cookie) and secrets.compare_digest(cookie.encode(), header.encode())


def _date(value: str | None) -> dict[str, int] | None:
    if not value:
        return None
    parts = value.split("-")
    date = {"year": int(parts[0])}
    if len(parts) > 1:
        date["month"] = int(parts[1])
    return date


def _range(item: dict[str, Any]) -> dict[str, Any]:
    span: dict[str, Any] = {}
    if item.get("start"):
        span["start"] = _date(item["start"])
    if item.get("end"):
        span["end"] = _date(item["end"])
    return span


def _relationship_union(rel: Relationship, profile: Profile, is_self: bool) -> dict[str, Any]:
    if is_self:
        return {"self": {}}
    if rel == "connected":
        return {"connection": {"*connection": f"urn:li:fsd_connection:{profile.member_id}"}}
    union: dict[str, Any] = {"memberDistance": _DISTANCE.get(profile.degree, "OUT_OF_NETWORK")}
    if rel == "pending":
        union["invitationUnion"] = {"invitation": {"invitationState": "PENDING"}}
    return {"noConnection": union}


def profile_document(profile: Profile, rel: Relationship, *, is_self: bool) -> dict[str, Any]:
    """The FullProfileWithEntities answer for a profile, in the normalised format.

    Entities are listed with the profile last, so a reader must resolve `*` references
    instead of relying on order.
    """
    key = profile.urn.rsplit(":", 1)[-1]
    included: list[dict[str, Any]] = []
    position_urns: list[str] = []
    for index, item in enumerate(profile.positions):
        company_urn = f"urn:li:fsd_company:{profile.member_id * 100 + index}"
        included.append(
            {
                "$type": f"{_NS}.organization.Company",
                "entityUrn": company_urn,
                "name": item["company"],
            }
        )
        urn = f"urn:li:fsd_profilePosition:({key},{index + 1})"
        position_urns.append(urn)
        entry: dict[str, Any] = {
            "$type": f"{_NS}.identity.profile.Position",
            "entityUrn": urn,
            "title": item.get("title"),
            "companyName": item.get("company"),
            "*company": company_urn,
            "dateRange": _range(item),
        }
        if item.get("location"):
            entry["locationName"] = item["location"]
        included.append(entry)
    group_urns: list[str] = []
    for index, urn in enumerate(position_urns):
        group_urn = f"urn:li:fsd_profilePositionGroup:({key},{index + 1})"
        group_urns.append(group_urn)
        included.append(
            {
                "$type": f"{_NS}.identity.profile.PositionGroup",
                "entityUrn": group_urn,
                "profilePositionInPositionGroup": {"*elements": [urn], "paging": {"count": 1}},
            }
        )
    education_urns: list[str] = []
    for index, item in enumerate(profile.educations):
        school_urn = f"urn:li:fsd_school:{profile.member_id * 100 + index}"
        included.append(
            {"$type": f"{_NS}.organization.School", "entityUrn": school_urn, "name": item["school"]}
        )
        urn = f"urn:li:fsd_profileEducation:({key},{index + 1})"
        education_urns.append(urn)
        included.append(
            {
                "$type": f"{_NS}.identity.profile.Education",
                "entityUrn": urn,
                "schoolName": item.get("school"),
                "*school": school_urn,
                "degreeName": item.get("degree"),
                "fieldOfStudy": item.get("field_of_study"),
                "dateRange": _range(item),
            }
        )
    geo_urn = f"urn:li:fsd_geo:{100_000 + profile.member_id}"
    relationship_urn = f"urn:li:fsd_memberRelationship:{key}"
    included.append(
        {
            "$type": f"{_NS}.common.Geo",
            "entityUrn": geo_urn,
            "defaultLocalizedName": profile.location,
        }
    )
    included.append(
        {
            "$type": f"{_NS}.relationships.MemberRelationship",
            "entityUrn": relationship_urn,
            "memberRelationshipUnion": _relationship_union(rel, profile, is_self),
        }
    )
    first, _, last = profile.name.partition(" ")
    included.append(
        {
            "$type": f"{_NS}.identity.profile.Profile",
            "entityUrn": profile.urn,
            "publicIdentifier": profile.public_id,
            "firstName": first,
            "lastName": last,
            "headline": profile.headline,
            "geoLocation": {"*geo": geo_urn} if profile.location else None,
            "*memberRelationship": relationship_urn,
            "profilePositionGroups": {"*elements": group_urns, "paging": {"count": 10}},
            "profileEducations": {"*elements": education_urns, "paging": {"count": 10}},
        }
    )
    return {
        "data": {
            "$type": "com.linkedin.restli.common.CollectionResponse",
            "*elements": [profile.urn],
            "paging": {"count": 10, "start": 0, "links": []},
        },
        "included": included,
    }


@router.get("/voyager/api/identity/dash/profiles")
async def voyager_profiles(request: Request) -> JSONResponse:
    """GET ...profiles?q=memberIdentity&memberIdentity=<id>&decorationId=...: a full profile."""
    sim = _sim(request)
    account = _account(request)
    member = request.query_params.get("memberIdentity", "")
    event: dict[str, Any] = {
        "account": account.username if account else None,
        "member_identity": member,
        "csrf_ok": csrf_ok(request),
        "accept": request.headers.get("accept", ""),
        "restli_protocol": request.headers.get("x-restli-protocol-version", ""),
    }

    def answer(status: int, body: dict[str, Any]) -> JSONResponse:
        sim.record_voyager_call({**event, "status": status})
        return JSONResponse(body, status_code=status, media_type=NORMALIZED)

    if account is None:
        return answer(401, {"status": 401})
    if not event["csrf_ok"]:
        return answer(403, {"status": 403, "message": "CSRF check failed"})
    if request.query_params.get("q") != "memberIdentity":
        return answer(400, {"status": 400})
    profile = sim.profile(member)
    if profile is None:
        return answer(404, {"status": 404})
    rel = sim.relationship(account.username, profile.public_id)
    document = profile_document(profile, rel, is_self=account.public_id == profile.public_id)
    return answer(200, document)


@router.get("/__sim/voyager_calls")
async def sim_voyager_calls(request: Request) -> list[dict[str, Any]]:
    """Every Voyager profile read: account, member_identity, csrf_ok, headers seen, status."""
    return _sim(request).voyager_calls()
