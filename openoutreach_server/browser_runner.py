"""Runs a claimed run in the account's browser session: login or a touchpoint."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from linkedin.browser.login import import_li_at, login_with_password, verify_session
from linkedin.browser.pace import Pace
from linkedin.browser.pool import BrowserPool
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from openoutreach_server import accounts, queue
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.context import ServerContext


class BrowserRunner:
    """The executor's `run_fn` for real work: one warm context per account from the pool."""

    def __init__(
        self, ctx: ServerContext, pool: BrowserPool, rng: random.Random | None = None
    ) -> None:
        self.ctx = ctx
        self.pool = pool
        self.rng = rng or random.Random()
        self.artifacts = ArtifactStore(ctx.settings.artifacts_dir)

    async def __call__(self, run: queue.Claimed) -> dict[str, Any]:
        """Execute the run; raises TouchpointError with failure artifacts attached."""
        secrets = await asyncio.to_thread(accounts.load_secrets, self.ctx, run.handle)
        base_url = self.ctx.settings.linkedin_base_url
        pace = Pace(self.ctx.settings.pace, self.rng)

        async def load() -> dict[str, Any] | None:
            return secrets.storage_state

        async def save(state: dict[str, Any]) -> None:
            await asyncio.to_thread(accounts.save_storage_state, self.ctx, run.handle, state)

        async with self.pool.session(
            run.handle, identity=secrets.identity, load_state=load, save_state=save
        ) as page:
            try:
                if run.type == queue.LOGIN_TYPE:
                    return await self._login(page, secrets, base_url, pace)
                touchpoint = parse_touchpoint(run.touchpoint, base_url)
                result = await run_touchpoint(
                    page, touchpoint, TouchpointContext(base_url, pace, run.dry_run)
                )
                return result.model_dump(mode="json")
            except TouchpointError as exc:
                exc.details["artifacts"] = await self._capture(page, run.id)
                raise
            except PlaywrightError as exc:
                if not self.pool.is_connected():
                    raise TouchpointError(
                        ErrorCode.BROWSER_CRASHED, "the browser crashed during the run"
                    ) from exc
                artifacts = await self._capture(page, run.id)
                raise TouchpointError(
                    ErrorCode.UI_CHANGED,
                    f"browser error: {str(exc).splitlines()[0]}",
                    details={"artifacts": artifacts},
                ) from exc

    async def _login(
        self, page: Page, secrets: accounts.AccountSecrets, base_url: str, pace: Pace
    ) -> dict[str, Any]:
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
        if secrets.li_at and not secrets.storage_state:
            await import_li_at(page.context, base_url, secrets.li_at)
        if secrets.li_at or secrets.storage_state:
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

    async def _capture(self, page: Page, run_id: int) -> list[str]:
        """Screenshot and HTML of the page where the run failed."""
        names: list[str] = []
        try:
            shot = await page.screenshot(full_page=True, timeout=5000)
            names.append(
                await asyncio.to_thread(self.artifacts.write, run_id, "screenshot.png", shot)
            )
            html = await page.content()
            names.append(
                await asyncio.to_thread(self.artifacts.write, run_id, "page.html", html.encode())
            )
        except PlaywrightError as exc:
            logger.bind(run_id=run_id).warning("could not capture artifacts: {}", exc)
        return names
