"""Write the SVGs in screenshots/ from the real app: `rolecall demo`'s data, real STS sessions.

Run: .venv/bin/python scripts/screenshots.py   (needs the demo extra: moto's server)
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from rolecall.core.domain.clock import FakeClock
from rolecall.core.engine import Engine
from rolecall.core.gateways import mfa
from rolecall.core.sources.index import load_catalog
from rolecall.demo import BANNER, MFA_HINT, DemoEnvironment
from rolecall.tui.app import make_app
from rolecall.tui.widgets.accounts import AccountsTree

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 34)
SMALL = (80, 24)
WIDE = (200, 50)


async def shoot(
    name: str,
    engine: Engine,
    steps=(),
    theme: str = "rolecall-dark",
    banner: str | None = None,
    size: tuple[int, int] = SIZE,
) -> None:
    app = make_app(engine=engine, theme=theme, banner=banner, mfa_hint=MFA_HINT)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for step in steps:
            await step(pilot)
            await pilot.pause()
        app.save_screenshot(f"{name}.svg", str(OUT))
    print(f"wrote screenshots/{name}.svg")


def select(name: str):
    async def step(pilot):
        pilot.app.query_one(AccountsTree).select_profile(name)

    return step


def press(*keys: str):
    async def step(pilot):
        await pilot.press(*keys)

    return step


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with DemoEnvironment() as demo:
        catalog = load_catalog(demo.profiles)
        code = mfa.given("123456")
        live = Engine(catalog, session_name="rolecall-alice")
        for name in ("prod/Admin", "staging/Developer", "prod/Deploy", "dev/Developer", "security/Auditor"):
            live.assume(name, code)
        # Freeze time 50 minutes on: the 1 h sessions are in their last 10 minutes (warning colour).
        clock = FakeClock(live.now() + timedelta(minutes=50))
        engine = Engine(catalog, clock=clock, session_name="rolecall-alice")
        banner = BANNER.format(url=demo.sts_url)
        # Taken before the sessions below, so that every row fits the wide panel without scrolling.
        await shoot("wide", engine, [select("prod/Deploy")], banner=banner, size=WIDE)
        # One session of each other kind: SSO, web identity, SAML, federated user, credential_process.
        for name in ("account-0007/ReadOnly", "ci-deploy", "partners/Analyst", "partners/contractor", "build-bot"):
            live.assume(name, code)
        await shoot("main", engine, banner=banner)
        await shoot("filter", engine, [press("slash", *"stag")])
        engine.forget_mfa(catalog.get("prod/Admin").mfa_serial or "")
        await shoot("mfa", engine, [select("security/IncidentResponder"), press("enter")])
        await shoot("copy", engine, [select("dev/Developer"), press("c")])
        await shoot("help", engine, [press("question_mark")])
        await shoot("console", engine, [select("prod/Admin"), press("o")])
        await shoot("light", engine, theme="rolecall-light")
        await shoot("contrast", engine, theme="rolecall-contrast")
        await shoot("small", engine, [select("prod/Deploy")], size=SMALL)
        await shoot("sso", engine, [select("account-0007/ReadOnly")], banner=banner)
        await shoot("kinds", engine, [select("partners/Analyst")], banner=banner)


if __name__ == "__main__":
    asyncio.run(main())
