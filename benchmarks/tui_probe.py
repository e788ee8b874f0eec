"""Measurements taken inside the app, run by benchmarks/run.py in a fresh interpreter each.

Usage: python benchmarks/tui_probe.py first-paint|hello|filter|search|idle|idle-clock PROFILES.yaml
Prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
import time

from keystroke import TYPED  # the same keys as the keystroke benchmark (this directory is on sys.path)

T0 = float(os.environ.get("BENCH_T0", time.time()))


async def until(shown, what: str, limit: float = 60) -> None:
    """Wait until `shown()` is true, for at most `limit` seconds."""
    deadline = time.monotonic() + limit
    while not shown():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} never showed up")
        await asyncio.sleep(0.001)


async def first_paint(profiles: str) -> dict:
    from rolecall.tui.app import make_app
    from rolecall.tui.widgets.accounts import AccountsTree

    app = make_app(profiles=profiles, theme="rolecall-dark")
    async with app.run_test(size=(120, 36)) as pilot:
        tree = app.query_one(AccountsTree)
        await until(tree.shown_accounts, "the profiles")  # the first screenful, from the index
        await pilot.pause()  # the frame with the rows is composed
        painted = time.time()
        boto_loaded = any(m.split(".")[0] in ("boto3", "botocore") for m in sys.modules)
    return {
        "first_paint_s": painted - T0,
        "botocore_before_paint": boto_loaded,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def textual_hello(_profiles: str) -> dict:
    """The floor: a one-widget Textual app, measured the same way."""
    from textual.app import App
    from textual.widgets import Static

    class Hello(App):
        def compose(self):
            yield Static("hello")

    app = Hello()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        painted = time.time()
    return {"first_paint_s": painted - T0}


async def filter_latency(profiles: str) -> dict:
    from rolecall.tui.app import make_app
    from rolecall.tui.widgets.accounts import AccountsTree

    app = make_app(profiles=profiles, theme="rolecall-dark")
    timings, cpu = [], []
    async with app.run_test(size=(120, 36)) as pilot:
        tree = app.query_one(AccountsTree)
        # the whole catalog (the title counts it): typed earlier, `/` is not bound yet and `p` opens the problems
        await until(lambda: " profiles · " in app.sub_title, "the catalog")
        await pilot.press("slash")
        assert app.focused is app.main.filter_input, app.focused
        typed = ""
        for key in TYPED:
            typed = typed[:-1] if key == "\x7f" else typed + key
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press("backspace" if key == "\x7f" else ("space" if key == " " else key))
            await pilot.pause()
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        shown = len(tree.shown_roles())
        assert app.main.filter_input.value == typed, app.main.filter_input.value  # every key landed
    return {
        "filter_median_ms": statistics.median(timings) * 1000,
        "filter_max_ms": max(timings) * 1000,
        "filter_cpu_median_ms": statistics.median(cpu) * 1000,
        "keystrokes": len(timings),
        "roles_shown_at_end": shown,
    }


async def search_ranking(profiles: str) -> dict:
    """core/domain/search.py alone: ranking every profile on each keystroke of a few typed queries,
    each query typed from an empty filter as a person would (the index is built once)."""
    from rolecall.core.domain.search import SearchIndex
    from rolecall.core.sources.index import load_catalog

    catalog = load_catalog(profiles)
    start = time.perf_counter()
    index = SearchIndex(list(catalog.profiles.values()))
    built = time.perf_counter() - start
    timings = []
    for query in ("prod-0042 admin", "dev dev", "ro", "prd", "team3 deploy", "stg net"):
        for end in range(1, len(query) + 1):
            start = time.perf_counter()
            index.rank(query[:end])
            timings.append(time.perf_counter() - start)
    return {
        "search_median_ms": statistics.median(timings) * 1000,
        "search_max_ms": max(timings) * 1000,
        "index_build_ms": built * 1000,
        "keystrokes": len(timings),
        "profiles": len(catalog.profiles),
    }


async def idle(profiles: str) -> dict:
    from rolecall.core.engine import Engine
    from rolecall.core.sources.index import load_catalog
    from rolecall.tui.app import make_app

    engine = Engine(load_catalog(profiles))
    app = make_app(engine=engine, theme="rolecall-dark")
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        live = len(app.main.sessions_list.sessions)
        return {**await _idle_cpu(), "live_countdowns": live}


async def idle_clock(_profiles: str) -> dict:
    """The floor for any app that shows a countdown: a one-label Textual app that repaints its
    label once a second (no layout), measured the same way."""
    from datetime import datetime

    from textual.app import App
    from textual.widgets import Static

    class Clock(App):
        def compose(self):
            yield Static("", id="clock")

        def on_mount(self):
            self.set_interval(1, self.tick)

        def tick(self):
            self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"), layout=False)

    async with Clock().run_test(size=(120, 60)):
        return await _idle_cpu()


async def _idle_cpu() -> dict:
    """CPU used over BENCH_IDLE_SECONDS of an app left alone, after a second to settle."""
    seconds = float(os.environ.get("BENCH_IDLE_SECONDS", "10"))
    await asyncio.sleep(1)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"idle_cpu_percent": 100 * cpu / wall, "seconds": wall}


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    probe = {
        "first-paint": first_paint,
        "hello": textual_hello,
        "filter": filter_latency,
        "search": search_ranking,
        "idle": idle,
        "idle-clock": idle_clock,
    }[kind]
    print(json.dumps(asyncio.run(probe(path))))
