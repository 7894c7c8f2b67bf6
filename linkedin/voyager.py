"""LinkedIn's Voyager API, called from inside a signed-in page, and a parser for its answers.

Voyager answers in the "normalised" JSON format: `data` holds the top-level value and
`included` every entity it refers to, each with an `entityUrn` and a `$type`. A field
written `*name` holds a URN (or a list of URNs) pointing into `included`. The parser
resolves those references first, then reads the profile graph, falling back to scanning
`included` by `$type` when a link in the graph is missing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

from playwright.async_api import Page

from linkedin.browser.navigation import goto
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import Degree, Education, EnrichResult, Position

PROFILE_DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
ACCEPT = "application/vnd.linkedin.normalized+json+2.1"

_DISTANCES: dict[str, Degree] = {
    "DISTANCE_1": "1st",
    "DISTANCE_2": "2nd",
    "DISTANCE_3": "3rd",
    "OUT_OF_NETWORK": "out_of_network",
    "SELF": "self",
}

# Runs in the page so the request carries the page's own cookies, origin and headers, like
# LinkedIn's own web client. The csrf token is an argument: it is never logged or returned.
_FETCH_JS = """
async ([url, csrf, accept]) => {
  const res = await fetch(url, {
    method: 'GET',
    credentials: 'include',
    headers: {'csrf-token': csrf, 'accept': accept, 'x-restli-protocol-version': '2.0.0'},
  });
  return {
    status: res.status,
    url: res.url,
    redirected: res.redirected,
    contentType: res.headers.get('content-type') || '',
    body: await res.text(),
  };
}
"""


def profile_path(public_id: str) -> str:
    """Path and query of the Voyager full-profile lookup for a public identifier."""
    return (
        "/voyager/api/identity/dash/profiles?q=memberIdentity"
        f"&memberIdentity={quote(public_id, safe='')}&decorationId={PROFILE_DECORATION}"
    )


async def csrf_token(page: Page) -> str:
    """The JSESSIONID cookie of the page's host without its quotes (Voyager's csrf-token)."""
    for cookie in await page.context.cookies(page.url):
        if cookie.get("name") == "JSESSIONID":
            return str(cookie.get("value", "")).strip('"')
    return ""


async def voyager_get(page: Page, path: str) -> dict[str, Any]:
    """GET a Voyager path from inside the page and return the decoded JSON.

    The page must already be on the LinkedIn host. Raises SESSION_EXPIRED (401),
    PROFILE_NOT_FOUND (403/404), RATE_LIMITED (429/999) or UI_CHANGED; a redirect to a
    LinkedIn page (login, checkpoint, restriction notice) is followed in the page so the
    page-state detector names it.
    """
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    answer: dict[str, Any] = await page.evaluate(
        _FETCH_JS, [origin + path, await csrf_token(page), ACCEPT]
    )
    status = int(answer["status"])
    final_path = urlsplit(str(answer["url"])).path
    details = {"path": urlsplit(path).path, "status": status}
    same_origin = str(answer["url"]).startswith(origin + "/")
    if answer["redirected"] and same_origin and not final_path.startswith("/voyager/"):
        # Open the page LinkedIn redirected to (never another host) so goto names it.
        await goto(page, str(answer["url"]))
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "Voyager redirected to a page", details={"to": final_path}
        )
    if status == 401:
        raise TouchpointError(
            ErrorCode.SESSION_EXPIRED, "Voyager says the session is invalid", details=details
        )
    if status in (403, 404):
        raise TouchpointError(
            ErrorCode.PROFILE_NOT_FOUND,
            "LinkedIn's API refused the profile (missing or inaccessible)",
            retryable=False,
            details=details,
        )
    if status in (429, 999):
        raise TouchpointError(ErrorCode.RATE_LIMITED, "Voyager says too many requests")
    if status != 200:
        raise TouchpointError(ErrorCode.UI_CHANGED, "unexpected Voyager status", details=details)
    try:
        data = json.loads(str(answer["body"]))
    except ValueError as exc:
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "Voyager did not answer JSON", details=details
        ) from exc
    if not isinstance(data, dict):
        raise TouchpointError(ErrorCode.UI_CHANGED, "Voyager answer is not an object")
    return data


async def fetch_profile(page: Page, public_id: str) -> EnrichResult:
    """Look a profile up through Voyager in the page's session and parse it."""
    return parse_profile(await voyager_get(page, profile_path(public_id)), public_id)


# --- parsing ---------------------------------------------------------------------------------


def _type_is(entity: Any, name: str) -> bool:
    return isinstance(entity, dict) and str(entity.get("$type", "")).rsplit(".", 1)[-1] == name


class _Graph:
    """The `included` entities by URN, with `*field` references resolved on demand."""

    def __init__(self, document: dict[str, Any]) -> None:
        included = document.get("included") or []
        self.entities: list[dict[str, Any]] = [e for e in included if isinstance(e, dict)]
        self.by_urn: dict[str, dict[str, Any]] = {
            str(e["entityUrn"]): e for e in self.entities if "entityUrn" in e
        }

    def ref(self, obj: dict[str, Any], field: str) -> Any:
        """`obj[field]`, or the entity (entities) `obj["*" + field]` points to."""
        if field in obj and obj[field] is not None:
            return obj[field]
        target = obj.get("*" + field)
        if isinstance(target, str):
            return self.by_urn.get(target)
        if isinstance(target, list):
            return [self.by_urn[u] for u in target if isinstance(u, str) and u in self.by_urn]
        return None

    def elements(self, obj: dict[str, Any] | None, field: str) -> list[dict[str, Any]]:
        """The items of a collection field (a list, or a collection with `elements`)."""
        if obj is None:
            return []
        value = self.ref(obj, field)
        if isinstance(value, dict):
            value = self.ref(value, "elements")
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, dict)]

    def of_type(self, name: str) -> list[dict[str, Any]]:
        """Every included entity whose `$type` ends with `.name`."""
        return [e for e in self.entities if _type_is(e, name)]


def _date(value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("year"), int):
        return None
    month = value.get("month")
    return f"{value['year']:04d}-{month:02d}" if isinstance(month, int) else f"{value['year']:04d}"


def _range(entity: dict[str, Any]) -> tuple[str | None, str | None]:
    span = entity.get("dateRange") or entity.get("timePeriod") or {}
    if not isinstance(span, dict):
        return None, None
    return _date(span.get("start") or span.get("startDate")), _date(
        span.get("end") or span.get("endDate")
    )


def _text(value: Any) -> str | None:
    # Some fields are plain strings, others {text: ...} (TextViewModel).
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"] or None
    return None


def _find_profile(graph: _Graph, document: dict[str, Any], public_id: str) -> dict[str, Any]:
    profiles = graph.of_type("Profile")
    for profile in profiles:
        if str(profile.get("publicIdentifier", "")).lower() == public_id.lower():
            return profile
    data = document.get("data") or {}
    pointed = graph.elements(data, "elements") if isinstance(data, dict) else []
    for candidate in pointed:
        if _type_is(candidate, "Profile"):
            return candidate
    if len(profiles) == 1:
        return profiles[0]
    raise TouchpointError(
        ErrorCode.PROFILE_NOT_FOUND, "the API answer holds no such profile", retryable=False
    )


def _positions(graph: _Graph, profile: dict[str, Any]) -> list[Position]:
    found: list[dict[str, Any]] = []
    for group in graph.elements(profile, "profilePositionGroups"):
        found.extend(graph.elements(group, "profilePositionInPositionGroup"))
    found.extend(graph.elements(profile, "profilePositions"))
    if not found:
        found = graph.of_type("Position")
    positions: list[Position] = []
    seen: set[int] = set()
    for item in found:
        if id(item) in seen:
            continue
        seen.add(id(item))
        company = graph.ref(item, "company")
        company_urn = item.get("*company") or item.get("companyUrn")
        if isinstance(company, dict):
            company_urn = company_urn or company.get("entityUrn")
        company_name = _text(item.get("companyName"))
        if company_name is None and isinstance(company, dict):
            company_name = _text(company.get("name"))
        start, end = _range(item)
        positions.append(
            Position(
                title=_text(item.get("title")),
                company=company_name,
                company_urn=str(company_urn) if company_urn else None,
                location=_text(item.get("locationName")),
                start=start,
                end=end,
            )
        )
    return positions


def _educations(graph: _Graph, profile: dict[str, Any]) -> list[Education]:
    found = graph.elements(profile, "profileEducations") or graph.of_type("Education")
    educations: list[Education] = []
    for item in found:
        school = graph.ref(item, "school")
        school_name = _text(item.get("schoolName"))
        if school_name is None and isinstance(school, dict):
            school_name = _text(school.get("name"))
        start, end = _range(item)
        educations.append(
            Education(
                school=school_name,
                degree=_text(item.get("degreeName")),
                field_of_study=_text(item.get("fieldOfStudy")),
                start=start,
                end=end,
            )
        )
    return educations


def _location(graph: _Graph, profile: dict[str, Any]) -> str | None:
    geo_location = profile.get("geoLocation")
    if isinstance(geo_location, dict):
        geo = graph.ref(geo_location, "geo")
        if isinstance(geo, dict):
            name = _text(geo.get("defaultLocalizedName"))
            if name:
                return name
    return _text(profile.get("locationName")) or _text(profile.get("geoLocationName"))


def relationship_degree(relationship: dict[str, Any] | None) -> Degree | None:
    """Degree from a MemberRelationship: `connection...` key = 1st, else its memberDistance."""
    if not isinstance(relationship, dict):
        return None
    union = relationship.get("memberRelationshipUnion") or relationship.get("memberRelationship")
    if not isinstance(union, dict):
        return None
    for key, value in union.items():
        if key.startswith("connect"):
            return "1st"
        if key == "self":
            return "self"
        if key == "noConnection" and isinstance(value, dict):
            return _DISTANCES.get(str(value.get("memberDistance", "")))
    return None


def _degree(graph: _Graph, profile: dict[str, Any]) -> Degree | None:
    relationship = graph.ref(profile, "memberRelationship")
    if not isinstance(relationship, dict):
        # Not linked from the profile: the relationship entity shares the profile's id.
        profile_id = str(profile.get("entityUrn", "")).rsplit(":", 1)[-1]
        for candidate in graph.of_type("MemberRelationship"):
            if str(candidate.get("entityUrn", "")).endswith(":" + profile_id):
                relationship = candidate
                break
    return relationship_degree(relationship if isinstance(relationship, dict) else None)


def parse_profile(document: dict[str, Any], public_id: str) -> EnrichResult:
    """Turn a normalised FullProfileWithEntities answer into an EnrichResult."""
    graph = _Graph(document)
    profile = _find_profile(graph, document, public_id)
    first = _text(profile.get("firstName"))
    last = _text(profile.get("lastName"))
    name = " ".join(part for part in (first, last) if part) or None
    urn = profile.get("entityUrn")
    return EnrichResult(
        public_identifier=str(profile.get("publicIdentifier") or public_id),
        urn=str(urn) if urn else None,
        first_name=first,
        last_name=last,
        name=name,
        headline=_text(profile.get("headline")),
        location=_location(graph, profile),
        positions=_positions(graph, profile),
        educations=_educations(graph, profile),
        degree=_degree(graph, profile),
    )
