"""The flow of a campaign: the seed's React-Flow JSON, read, checked and compiled.

The JSON (`assets/campaign.example.json`) has `nodes` (`data.type` is the step, `data.config`
its settings) and `edges` (`data.delay` before the next step; `conditional` edges leave a
`send_invite` with `isPositive` true for the "accepted" path and false for "not-accepted").
`parse_flow` refuses a flow that cannot run, naming the node: exactly one start node, no
cycle, every node reachable, each step's config complete, an "accepted" path on every
branch. The compiled `Flow` is what the workflows walk.

The acceptance wait: after a `send_invite` with conditional edges, the lead waits for the
invitation to be accepted until the deadline, the delay of the "not-accepted" edge; then the
"not-accepted" path runs. Without a "not-accepted" edge the lead ends there as
`not_accepted` once `acceptanceTimeout` (default 14d) has passed. The "accepted" edge's delay
runs after the acceptance.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from campaigns import templating
from campaigns.delays import delay_from_parts, format_delay, parse_delay

DEFAULT_ACCEPTANCE_TIMEOUT = timedelta(days=14)
DEFAULT_WITHIN_DAYS = 15  # the seed's "recent post within" default
Reaction = Literal["LIKE", "CELEBRATE", "SUPPORT", "LOVE", "INSIGHTFUL", "FUNNY"]
NodeKind = Literal[
    "profile_visit",
    "like_post",
    "comment_post",
    "send_invite",
    "send_followup",
    "withdraw_request",
    "notify_webhook",
]
KINDS: tuple[str, ...] = NodeKind.__args__  # type: ignore[attr-defined]
PLACEHOLDER_TYPES = frozenset({"addStep"})  # the builder's "+" buttons: not steps


class FlowError(ValueError):
    """A flow that cannot run; `errors` lists every problem, each naming its node."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("invalid flow:\n" + "\n".join(f"- {e}" for e in errors))


# --- the JSON as the builder writes it -------------------------------------------------


class _Raw(BaseModel):
    model_config = ConfigDict(extra="allow")


class RawNodeData(_Raw):
    type: str
    label: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    pathType: str | None = None


class RawNode(_Raw):
    id: str
    type: str = "action"
    data: RawNodeData


class RawDelay(_Raw):
    delay: float
    unit: str


class RawEdgeData(_Raw):
    delay: str | float | None = None
    delayData: RawDelay | None = None
    isPositive: bool | None = None
    isConditionalPath: bool | None = None


class RawEdge(_Raw):
    id: str | None = None
    source: str
    target: str
    type: str = "buttonedge"
    data: RawEdgeData = Field(default_factory=RawEdgeData)


class RawFlow(_Raw):
    nodes: list[RawNode]
    edges: list[RawEdge] = Field(default_factory=list)


# --- step settings, one model per step type ---------------------------------------------


class _Config(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    def texts(self) -> dict[str, str]:
        """The templated text fields of this step (name -> template)."""
        return {}


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class VisitConfig(_Config):
    """profile_visit: open the profile (LinkedIn notifies the member of the view)."""

    kind: Literal["profile_visit"] = "profile_visit"


class LikeConfig(_Config):
    """like_post: react to the lead's most recent post within `within_days`."""

    kind: Literal["like_post"] = "like_post"
    reaction: Reaction = "LIKE"
    within_days: int = Field(
        default=DEFAULT_WITHIN_DAYS,
        ge=1,
        le=365,
        validation_alias=_alias("within_days", "recentPostWithin", "recentPostDays"),
    )

    @field_validator("reaction", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class CommentConfig(_Config):
    """comment_post: comment `text` on the lead's most recent post within `within_days`."""

    kind: Literal["comment_post"] = "comment_post"
    text: str = Field(min_length=1, validation_alias=_alias("text", "comment", "message"))
    within_days: int = Field(
        default=DEFAULT_WITHIN_DAYS,
        ge=1,
        le=365,
        validation_alias=_alias("within_days", "recentPostWithin", "recentPostDays"),
    )

    def texts(self) -> dict[str, str]:
        return {"text": self.text}


class InviteConfig(_Config):
    """send_invite: a connection request, with an optional `note` (<= 300 characters)."""

    kind: Literal["send_invite"] = "send_invite"
    note: str | None = Field(default=None, validation_alias=_alias("note", "message"))
    acceptance_timeout: timedelta | None = Field(
        default=None, validation_alias=_alias("acceptance_timeout", "acceptanceTimeout")
    )

    @field_validator("acceptance_timeout", mode="before")
    @classmethod
    def _delay(cls, value: Any) -> Any:
        return parse_delay(value) if isinstance(value, str) else value

    def texts(self) -> dict[str, str]:
        return {"note": self.note} if self.note else {}


class FollowupConfig(_Config):
    """send_followup: a message `text` (1st-degree connections only)."""

    kind: Literal["send_followup"] = "send_followup"
    text: str = Field(min_length=1, validation_alias=_alias("text", "message"))

    def texts(self) -> dict[str, str]:
        return {"text": self.text}


class WithdrawConfig(_Config):
    """withdraw_request: withdraw the pending invitation (nothing to do if none is)."""

    kind: Literal["withdraw_request"] = "withdraw_request"


class WebhookConfig(_Config):
    """notify_webhook: POST the lead's progress as JSON to `url`."""

    kind: Literal["notify_webhook"] = "notify_webhook"
    url: str = Field(validation_alias=_alias("url", "targetUrl", "target_url"))

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


NodeConfig = Annotated[
    VisitConfig
    | LikeConfig
    | CommentConfig
    | InviteConfig
    | FollowupConfig
    | WithdrawConfig
    | WebhookConfig,
    Field(discriminator="kind"),
]
_CONFIGS: dict[str, type[_Config]] = {
    "profile_visit": VisitConfig,
    "like_post": LikeConfig,
    "comment_post": CommentConfig,
    "send_invite": InviteConfig,
    "send_followup": FollowupConfig,
    "withdraw_request": WithdrawConfig,
    "notify_webhook": WebhookConfig,
}
# What each step cannot run without, said in the builder's words.
_NEEDS = {
    "comment_post": "config.text (the comment; AI-written comments are not supported)",
    "send_followup": "config.message (the message text)",
    "notify_webhook": "config.targetUrl (an http(s) URL)",
}
NOTE_MAX = 300


# --- the compiled flow ----------------------------------------------------------------


class Edge(BaseModel):
    """The next step and how long to wait before it."""

    model_config = ConfigDict(frozen=True)

    target: str
    delay: timedelta = timedelta(0)


class Node(BaseModel):
    """One step: what it does, and where the lead goes after it."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str | None = None
    config: NodeConfig
    next: Edge | None = None
    accepted: Edge | None = None
    not_accepted: Edge | None = None
    acceptance_timeout: timedelta | None = None

    @property
    def kind(self) -> str:
        """The step type (`send_invite`, ...)."""
        return self.config.kind

    @property
    def waits_for_acceptance(self) -> bool:
        """Whether the lead waits for the invitation to be accepted after this step."""
        return self.accepted is not None


class Flow(BaseModel):
    """A checked flow: the start node and every node by id."""

    model_config = ConfigDict(frozen=True)

    start: str
    nodes: dict[str, Node]

    def template_fields(self, *, required_only: bool = False) -> dict[str, list[str]]:
        """Node id -> the lead fields its texts use (only those without a fallback, with
        `required_only`)."""
        out: dict[str, list[str]] = {}
        for node in self.nodes.values():
            used = [
                f
                for t in node.config.texts().values()
                for f in templating.fields_used(t, required_only=required_only)
            ]
            if used:
                out[node.id] = list(dict.fromkeys(used))
        return out

    def webhook_urls(self) -> list[str]:
        """The URLs of the flow's notify_webhook steps (alerts go there too)."""
        return [n.config.url for n in self.nodes.values() if isinstance(n.config, WebhookConfig)]

    def check_fields(self, available: set[str]) -> list[str]:
        """Errors for placeholders without a fallback that no lead can fill (a column missing
        from the leads file)."""
        errors = []
        for node_id, used in self.template_fields(required_only=True).items():
            missing = [f for f in used if f not in available]
            if missing:
                names = ", ".join("{" + f + "}" for f in missing)
                errors.append(
                    f'node "{node_id}": uses {names} but the leads have no such column'
                    f" (columns: {', '.join(sorted(available))})"
                )
        return errors


# --- reading and checking ---------------------------------------------------------------


def parse_flow(raw: dict[str, Any] | str | bytes) -> Flow:
    """The compiled flow of the builder's JSON; FlowError lists every problem found."""
    try:
        flow = (
            RawFlow.model_validate_json(raw)
            if isinstance(raw, str | bytes)
            else RawFlow.model_validate(raw)
        )
    except ValidationError as exc:
        raise FlowError([_pydantic_error("flow", exc)]) from None
    return _Compiler(flow).compile()


def _pydantic_error(where: str, exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        parts.append(f"{loc}: {error['msg']}" if loc else str(error["msg"]))
    return f"{where}: " + "; ".join(parts)


class _Compiler:
    def __init__(self, raw: RawFlow) -> None:
        self.raw = raw
        self.errors: list[str] = []

    def compile(self) -> Flow:
        steps = self._steps()
        self._step_ids = list(steps)
        outgoing, incoming = self._edges(steps)
        nodes = {nid: self._node(nid, raw, outgoing.get(nid, [])) for nid, raw in steps.items()}
        start = self._start(steps, incoming)
        if start is not None and not self.errors:
            self._acyclic_and_reachable(start, outgoing)
        if self.errors or start is None:
            raise FlowError(self.errors or ["flow has no steps"])
        return Flow(start=start, nodes={k: v for k, v in nodes.items() if v is not None})

    def _steps(self) -> dict[str, RawNode]:
        steps: dict[str, RawNode] = {}
        for node in self.raw.nodes:
            if node.type in PLACEHOLDER_TYPES or node.data.type in PLACEHOLDER_TYPES:
                continue
            if node.id in steps:
                self.errors.append(f'node "{node.id}": the id is used twice')
            elif node.data.type not in KINDS:
                self.errors.append(
                    f'node "{node.id}": unknown type "{node.data.type}" (known: {", ".join(KINDS)})'
                )
            steps[node.id] = node
        if not steps:
            self.errors.append("flow has no steps (every node is a placeholder)")
        return steps

    def _edges(
        self, steps: dict[str, RawNode]
    ) -> tuple[dict[str, list[tuple[RawEdge, timedelta]]], dict[str, int]]:
        placeholders = {n.id for n in self.raw.nodes} - set(steps)
        outgoing: dict[str, list[tuple[RawEdge, timedelta]]] = {}
        incoming: dict[str, int] = {}
        for edge in self.raw.edges:
            if edge.source in placeholders or edge.target in placeholders:
                continue  # an edge to a "+" button
            name = f'edge "{edge.id}"' if edge.id else f'edge "{edge.source}" -> "{edge.target}"'
            missing = [end for end in (edge.source, edge.target) if end not in steps]
            if missing:
                self.errors.append(f"{name}: no node {', '.join(repr(m) for m in missing)}")
                continue
            delay = self._delay(edge, name)
            outgoing.setdefault(edge.source, []).append((edge, delay))
            incoming[edge.target] = incoming.get(edge.target, 0) + 1
        return outgoing, incoming

    def _delay(self, edge: RawEdge, name: str) -> timedelta:
        where = f'node "{edge.source}": {name} to "{edge.target}"'
        delay = parts = None
        try:
            if edge.data.delay not in (None, ""):
                delay = parse_delay(edge.data.delay)
            if edge.data.delayData is not None:
                parts = delay_from_parts(edge.data.delayData.delay, edge.data.delayData.unit)
        except ValueError as exc:
            self.errors.append(f"{where}: {exc}")
            return timedelta(0)
        if delay is not None and parts is not None and delay != parts:
            self.errors.append(
                f"{where}: delay {format_delay(delay)} and delayData {format_delay(parts)} disagree"
            )
        return delay if delay is not None else parts or timedelta(0)

    def _node(
        self, node_id: str, raw: RawNode, out: list[tuple[RawEdge, timedelta]]
    ) -> Node | None:
        config = self._config(node_id, raw)
        plain: list[Edge] = []
        branch: dict[str, Edge] = {}
        for edge, delay in out:
            path = self._path(edge)
            if path is None:
                plain.append(Edge(target=edge.target, delay=delay))
            elif raw.data.type != "send_invite":
                self.errors.append(
                    f'node "{node_id}": a conditional ("{path}") edge can only leave a'
                    " send_invite node (the branch is on the invitation's acceptance)"
                )
            elif path in branch:
                self.errors.append(f'node "{node_id}": two "{path}" edges')
            else:
                branch[path] = Edge(target=edge.target, delay=delay)
        if len(plain) > 1:
            targets = ", ".join(f'"{e.target}"' for e in plain)
            self.errors.append(
                f'node "{node_id}": {len(plain)} next steps ({targets}); a step has one next'
                ' step, and only send_invite branches ("accepted" / "not-accepted")'
            )
        if plain and branch:
            self.errors.append(
                f'node "{node_id}": mixes a plain edge with "accepted"/"not-accepted" edges'
            )
        timeout = None
        if branch:
            if "accepted" not in branch:
                self.errors.append(
                    f'node "{node_id}": the branch has no "accepted" path (a conditional edge'
                    " with isPositive true)"
                )
            timeout = self._acceptance_timeout(node_id, config, branch.get("not-accepted"))
        if config is None:
            return None
        return Node(
            id=node_id,
            label=raw.data.label,
            config=config,  # type: ignore[arg-type]
            next=plain[0] if plain else None,
            accepted=branch.get("accepted"),
            not_accepted=branch.get("not-accepted"),
            acceptance_timeout=timeout,
        )

    def _acceptance_timeout(
        self, node_id: str, config: _Config | None, not_accepted: Edge | None
    ) -> timedelta:
        configured = config.acceptance_timeout if isinstance(config, InviteConfig) else None
        if not_accepted is None:
            return configured or DEFAULT_ACCEPTANCE_TIMEOUT
        if configured is not None:
            self.errors.append(
                f'node "{node_id}": the deadline is given twice (acceptanceTimeout and the'
                ' "not-accepted" edge\'s delay): keep one'
            )
        if not_accepted.delay <= timedelta(0):
            self.errors.append(
                f'node "{node_id}": the "not-accepted" edge\'s delay is the acceptance deadline'
                " and must be more than 0 (e.g. 7d)"
            )
        return not_accepted.delay

    def _path(self, edge: RawEdge) -> str | None:
        conditional = edge.type == "conditional" or bool(edge.data.isConditionalPath)
        if edge.data.isPositive is not None:
            return "accepted" if edge.data.isPositive else "not-accepted"
        if not conditional:
            return None
        target = next((n for n in self.raw.nodes if n.id == edge.target), None)
        path_type = target.data.pathType if target is not None else None
        if path_type in ("accepted", "not-accepted"):
            return path_type
        self.errors.append(
            f'node "{edge.source}": conditional edge to "{edge.target}" says neither'
            ' isPositive nor the target\'s pathType ("accepted" / "not-accepted")'
        )
        return None

    def _config(self, node_id: str, raw: RawNode) -> _Config | None:
        kind = raw.data.type
        model = _CONFIGS.get(kind)
        if model is None:
            return None
        settings = raw.data.config
        if settings.get("useAI") is True:
            self.errors.append(
                f'node "{node_id}": {kind} has useAI true; AI-written texts are not supported:'
                " set useAI false and write the text (lead fields as {first_name})"
            )
            return None
        try:
            config = model.model_validate({**settings, "kind": kind})
        except ValidationError as exc:
            self.errors.append(self._config_error(node_id, kind, exc))
            return None
        for name, text in config.texts().items():
            try:
                templating.check(text)
            except templating.TemplateError as err:
                self.errors.append(f'node "{node_id}": {kind} {name}: {err}')
        # Placeholders count as written: the server checks each lead's rendered note again.
        note = config.note if isinstance(config, InviteConfig) else None
        if note and len(note.encode("utf-16-le")) // 2 > NOTE_MAX:
            self.errors.append(f'node "{node_id}": send_invite note is over {NOTE_MAX} characters')
        return config

    @staticmethod
    def _config_error(node_id: str, kind: str, exc: ValidationError) -> str:
        missing = [e for e in exc.errors() if e["type"] == "missing"]
        if missing and kind in _NEEDS:
            return f'node "{node_id}": {kind} needs {_NEEDS[kind]}'
        return _pydantic_error(f'node "{node_id}": {kind} config', exc)

    def _start(self, steps: dict[str, RawNode], incoming: dict[str, int]) -> str | None:
        starts = [nid for nid in steps if not incoming.get(nid)]
        if len(starts) == 1:
            return starts[0]
        if not starts and steps:
            self.errors.append("flow has no start node: every node has an incoming edge (a cycle)")
        elif len(starts) > 1:
            names = ", ".join(f'"{s}"' for s in starts)
            self.errors.append(
                f"flow has {len(starts)} start nodes (no incoming edge): {names};"
                " exactly one step may start the flow"
            )
        return None

    def _acyclic_and_reachable(
        self, start: str, outgoing: dict[str, list[tuple[RawEdge, timedelta]]]
    ) -> None:
        state: dict[str, str] = {}  # grey while on the path, black when done

        def visit(node: str, path: list[str]) -> None:
            state[node] = "grey"
            for edge, _ in outgoing.get(node, []):
                target = edge.target
                if state.get(target) == "grey":
                    cycle = [*path[path.index(target) :], target]
                    self.errors.append(
                        f'node "{target}": on a cycle ({" -> ".join(cycle)}); a flow never'
                        " goes back"
                    )
                elif target not in state:
                    visit(target, [*path, target])
            state[node] = "black"

        visit(start, [start])
        for node_id in self._step_ids:
            if node_id not in state:
                self.errors.append(f'node "{node_id}": not reachable from the start node "{start}"')
