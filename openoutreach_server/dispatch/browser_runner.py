"""Runs a claimed run in the account's browser session: login or a touchpoint."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from linkedin.browser.diagnostics import capture_failure, error_summary
from linkedin.browser.login import (
    import_li_at,
    login_with_password,
    submit_checkpoint_pin,
    verify_session,
)
from linkedin.browser.navigation import goto
from linkedin.browser.pace import Pace
from linkedin.browser.page_state import PageState
from linkedin.browser.pool import BrowserPool, StateLoader, StateSaver
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from openoutreach_server import accounts
from openoutreach_server.artifacts import ArtifactStore, attach_artifacts
from openoutreach_server.context import ServerContext
from openoutreach_server.store.records import (
    LOGIN_TYPE,
    Claimed,
)


def session_callbacks(
    ctx: ServerContext, secrets: accounts.AccountSecrets, *, replace: bool = False
) -> tuple[StateLoader, StateSaver]:
    """The pool's callbacks that load and save the account's sealed session state.

    `replace` saves it as a new epoch (a session made outside the executor), so warm
    contexts elsewhere holding the old session are not reused.
    """

    async def load() -> dict[str, Any] | None:
        return secrets.storage_state(ctx.box)

    async def save(state: dict[str, Any]) -> None:
        await asyncio.to_thread(
            accounts.save_storage_state,
            ctx,
            secrets.uid,
            state,
            epoch=secrets.session_epoch,
            replace=replace,
        )

    return load, save


class BrowserRunner:
    """The executor's `run_fn` for real work: one warm context per account from the pool."""

    def __init__(
        self, ctx: ServerContext, pool: BrowserPool, rng: random.Random | None = None
    ) -> None:
        self.ctx = ctx
        self.pool = pool
        self.rng = rng or random.Random()
        self.artifacts = ArtifactStore(ctx.settings.artifacts_dir, ctx.settings.artifact_max_bytes)

    async def __call__(self, run: Claimed) -> dict[str, Any]:
        """Execute the run; failures carry their (scrubbed) artifacts."""
        secrets = await asyncio.to_thread(accounts.load_secrets, self.ctx, run.handle)
        base_url = self.ctx.settings.linkedin_base_url
        pace = Pace(self.ctx.settings.pace, self.rng)

        load, save = session_callbacks(self.ctx, secrets)
        # Keyed by the account's immutable uid, never its handle (which can be reused).
        async with self.pool.session(
            secrets.uid,
            identity=secrets.identity,
            load_state=load,
            save_state=save,
            epoch=secrets.session_epoch,
        ) as page:
            # Values typed or sent during this run that must never reach an artifact.
            typed: list[str | None] = [secrets.password, secrets.li_at]
            try:
                if run.type == LOGIN_TYPE:
                    # Credentials are typed at human pace one key per trace event, and
                    # cookies are imported: a login records no trace at all.
                    await self.pool.discard_trace(page)
                    result = await self._login(page, run, secrets, base_url, pace, typed)
                else:
                    touchpoint = parse_touchpoint(run.touchpoint, base_url)
                    ctx = TouchpointContext(base_url, pace, run.dry_run)
                    result = (await run_touchpoint(page, touchpoint, ctx)).model_dump(mode="json")
            except TouchpointError as exc:
                exc.details["artifacts"] = await self._capture(page, run.id, typed)
                raise
            except PlaywrightError as exc:
                if not self.pool.is_connected():
                    raise TouchpointError(
                        ErrorCode.BROWSER_CRASHED, "the browser crashed during the run"
                    ) from exc
                artifacts = await self._capture(page, run.id, typed)
                raise TouchpointError(
                    ErrorCode.UI_CHANGED,
                    f"browser error: {error_summary(exc)}",
                    details={"artifacts": artifacts},
                ) from exc
            except Exception as exc:
                attach_artifacts(exc, await self._capture(page, run.id, typed))
                raise
            return result

    async def sync_sessions(self) -> int:
        """Close warm contexts of deleted accounts or of replaced sessions; returns how many."""
        valid = await asyncio.to_thread(accounts.session_epochs, self.ctx)
        return await self.pool.retain(valid)

    async def _login(
        self,
        page: Page,
        run: Claimed,
        secrets: accounts.AccountSecrets,
        base_url: str,
        pace: Pace,
        typed: list[str | None],
    ) -> dict[str, Any]:
        if run.touchpoint.get("mode") == "pin":
            return await self._submit_pin(page, run, secrets, base_url, pace, typed)
        if secrets.status == "checkpoint":
            # Never answer a checkpoint by re-submitting the password: only look again.
            try:
                await verify_session(page, base_url)
            except TouchpointError as exc:
                if exc.code != ErrorCode.SESSION_EXPIRED:
                    raise
                # Signed out but still challenged: leaving `checkpoint` would invite a
                # password login, which is exactly what hardens LinkedIn's block.
                raise TouchpointError(
                    ErrorCode.CHECKPOINT,
                    "the verification is still pending; a human must clear it",
                ) from exc
            return {"status": "active", "method": "checkpoint_cleared"}
        if secrets.li_at and secrets.sealed_state is None:
            await import_li_at(page.context, base_url, secrets.li_at)
        if secrets.li_at or secrets.sealed_state is not None:
            try:
                await verify_session(page, base_url)
                return {"status": "active", "method": "session"}
            except TouchpointError as exc:
                if exc.code != ErrorCode.SESSION_EXPIRED or not secrets.password:
                    raise
                logger.info("stored session expired; logging in with the password")
        if not (secrets.username and secrets.password):
            raise TouchpointError(
                ErrorCode.AUTH_FAILED, "no valid session and no username/password to log in with"
            )
        await login_with_password(page, base_url, secrets.username, secrets.password, pace)
        return {"status": "active", "method": "password"}

    async def _submit_pin(
        self,
        page: Page,
        run: Claimed,
        secrets: accounts.AccountSecrets,
        base_url: str,
        pace: Pace,
        typed: list[str | None],
    ) -> dict[str, Any]:
        pin = await asyncio.to_thread(accounts.take_pin, self.ctx, run.handle)
        typed.append(pin)
        if pin is None:
            raise TouchpointError(ErrorCode.INVALID_INPUT, "no verification code was submitted")
        if secrets.checkpoint_path:
            # A cold context: go back to the challenge the login stopped at.
            await goto(page, base_url + secrets.checkpoint_path, allow={PageState.CHECKPOINT})
        try:
            await submit_checkpoint_pin(page, base_url, pin, pace)
        except TouchpointError as exc:
            if exc.code == ErrorCode.AUTH_FAILED:
                # A refused code leaves the account in checkpoint, not needing a password.
                raise TouchpointError(ErrorCode.CHECKPOINT, exc.message) from exc
            raise
        return {"status": "active", "method": "verification_code"}

    async def _capture(self, page: Page, run_id: int, typed: list[str | None]) -> list[str]:
        """Screenshot, HTML and this run's trace chunk, scrubbed, written as artifacts."""
        trace = await self.pool.take_trace(page)
        capture = await capture_failure(page, trace, typed)
        kept = [
            await asyncio.to_thread(self.artifacts.write, run_id, name, data)
            for name, data in capture.files.items()
        ]
        return [name for name in kept if name]
