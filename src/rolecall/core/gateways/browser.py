"""Opening a console target in a browser, keeping sign-in tokens out of every process's argv.

The browser command is `--browser`, else the `browser` setting (ROLECALL_BROWSER), else $BROWSER
(os.pathsep-separated, the first that exists), else the system's (Python's webbrowser). A Firefox
container link without a command goes to Firefox; a profile with `chromium_profile` to a Chromium.

A URL that holds a sign-in token never becomes a browser argument: the command line of every
process can be read by other users of the machine (/proc/PID/cmdline, `ps`). It is written into a
0600 page in a 0700 directory that redirects to it, the browser is given that page's file:// URL,
and the page is removed `console_page_seconds` later (by a detached process) or at the next open.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rolecall.core.domain.errors import ConfigError, RolecallError
from rolecall.core.gateways.runner import detached, split

FIREFOX = ("firefox", "firefox-esr")
CHROMIUM = (
    "google-chrome",
    "google-chrome-stable",
    "chromium",
    "chromium-browser",
    "brave-browser",
    "microsoft-edge",
    "vivaldi",
)
MAC_APPS = {
    "firefox": "/Applications/Firefox.app/Contents/MacOS/firefox",
    "chromium": "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
}
CHROMIUM_WORDS = ("chrome", "chromium", "brave", "edge", "vivaldi", "opera")
LAUNCH_WAIT = 3.0  # seconds a command has to fail in before it counts as a browser that started
PAGE_PREFIX = "signin-"
SWEEP_LIMIT = 1000  # pages looked at per sweep


class BrowserError(RolecallError):
    """The browser command failed (exit 1)."""


class BrowserMissing(ConfigError):
    """The browser command is not installed (exit 2)."""


def _parse(command: str, what: str) -> list[str]:
    argv = split(what, command)
    if shutil.which(argv[0]) is None:
        raise BrowserMissing(
            f"the browser command {argv[0]!r} ({what}) is not installed or not on PATH",
            hint="give another with --browser, or use --print",
        )
    return argv


def _installed(names: tuple[str, ...], app: str) -> list[str] | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return [found]
    if sys.platform == "darwin" and os.path.exists(MAC_APPS[app]):
        return [MAC_APPS[app]]
    return None


def is_chromium(argv: list[str]) -> bool:
    program = os.path.basename(argv[0]).lower()
    return any(word in program for word in CHROMIUM_WORDS)


def command(flag: str | None, *, container: bool = False, chromium_profile: str | None = None) -> list[str] | None:
    """The browser command as argv (None: the system's default browser). Checked before any AWS
    call, so a missing browser is one line and nothing is minted or opened."""
    from rolecall.core.store import settings

    if flag is not None:
        return _parse(flag, "--browser")
    configured: str | None = settings.get("browser")
    if configured:
        return _parse(configured, "the browser setting")
    listed = [entry for entry in os.environ.get("BROWSER", "").split(os.pathsep) if entry.strip()]
    if listed:
        for entry in listed:
            with contextlib.suppress(RolecallError):
                return _parse(entry, "$BROWSER")
        raise BrowserMissing(
            f"no command in $BROWSER is installed: {os.environ['BROWSER'][:100]!r}",
            hint="fix $BROWSER, give --browser, or use --print",
        )
    if container:
        found = _installed(FIREFOX, "firefox")
        if found is None:
            raise BrowserMissing(
                "--container needs Firefox (with a container extension), and it is not installed",
                hint="give its command with --browser",
            )
        return found
    if chromium_profile:
        found = _installed(CHROMIUM, "chromium")
        if found is None:
            raise BrowserMissing(
                "the profile sets chromium_profile, and no Chromium browser is installed",
                hint="give its command with --browser",
            )
        return found
    return None


def chromium_flags(argv: list[str] | None, chromium_profile: str | None) -> list[str]:
    """`--profile-directory=NAME` for a profile of the user's Chromium, `--user-data-dir=PATH`
    for a path (a browser of its own, created 0700); nothing for a browser that is not Chromium."""
    if not chromium_profile or argv is None or not is_chromium(argv):
        return []
    if "/" in chromium_profile or chromium_profile.startswith("~"):
        from rolecall.core.store.storage import private_dir

        folder = private_dir(Path(chromium_profile).expanduser())
        return [f"--user-data-dir={folder}"]
    return [f"--profile-directory={chromium_profile}"]


# --------------------------------------------------------------------------- the private page


def pages_dir() -> Path:
    from rolecall.core.store import paths

    return paths.cache_dir() / "console"


def page_html(url: str, *, title: str = "opening the AWS console", link: str = "Continue to the AWS console") -> str:
    """A page that sends the browser on to `url` at once (meta refresh and script), with a link
    for a browser that does neither; no referrer leaves it. The console's private page and the
    IAM Identity Center sign-in's (core/sso/login.py) both are this page."""
    attribute = html.escape(url, quote=True)
    script = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f'<meta http-equiv="refresh" content="0;url={attribute}">\n'
        f"<title>rolecall: {html.escape(title)}</title></head>\n"
        f"<body><script>location.replace({script});</script>\n"
        f'<p><a href="{attribute}">{html.escape(link)}</a></p></body></html>\n'
    )


def write_page(url: str) -> Path:
    """The page for `url`: 0600 in the 0700 pages directory, under a name no one can guess."""
    from rolecall.core.store import storage

    sweep_pages()
    path = pages_dir() / f"{PAGE_PREFIX}{secrets.token_hex(16)}.html"
    storage.write_atomic(path, page_html(url).encode("utf-8"))
    return path


def sweep_pages(now: float | None = None) -> int:
    """Remove pages older than console_page_seconds (a remover that never ran: a reboot, a kill)."""
    from rolecall.core.store import settings

    keep: float = settings.get("console_page_seconds")
    now = time.time() if now is None else now
    removed = 0
    try:
        with os.scandir(pages_dir()) as entries:
            for count, entry in enumerate(entries):
                if count >= SWEEP_LIMIT:
                    break
                if entry.name.startswith(PAGE_PREFIX):
                    with contextlib.suppress(OSError):
                        if now - entry.stat(follow_symlinks=False).st_mtime > keep:
                            os.unlink(entry.path)
                            removed += 1
    except OSError:
        return removed
    return removed


def remove_later(path: Path, seconds: float) -> None:
    """Remove the page after `seconds`, in a detached process that outlives this one."""
    detached("rolecall.core.gateways.browser", str(float(seconds)), str(path))


# --------------------------------------------------------------------------- opening


def launch(argv: list[str], url: str) -> None:
    """Run the browser command with `url` (in place of `%s`, else last). A command that fails
    within LAUNCH_WAIT seconds is a BrowserError; one still running then is a browser that started.
    Its output never reaches the terminal."""
    args = [word.replace("%s", url) for word in argv]
    if not any("%s" in word for word in argv):
        args.append(url)
    try:
        child = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise BrowserError(f"cannot run the browser {argv[0]!r}: {exc.strerror or exc}") from None
    try:
        code = child.wait(timeout=LAUNCH_WAIT)
    except subprocess.TimeoutExpired:
        return
    if code != 0:
        raise BrowserError(
            f"the browser command {argv[0]!r} failed (exit {code})", hint="give another with --browser, or use --print"
        )


def open_url(url: str, *, secret: bool, argv: list[str] | None, extra: list[str] | None = None) -> bool:
    """Open `url`; False when there is no browser at all. A `secret` URL goes through a private
    page (removed after console_page_seconds, or at once when the browser fails)."""
    from rolecall.core.store import settings

    handed = url
    page: Path | None = None
    if secret:
        page = write_page(url)
        handed = page.as_uri()
    try:
        if argv is None:
            import webbrowser

            try:
                opened = webbrowser.get().open(handed)
            except webbrowser.Error:
                opened = False
        else:
            launch([*argv, *(extra or [])], handed)
            opened = True
    except BaseException:
        if page is not None:
            with contextlib.suppress(OSError):
                page.unlink()
        raise
    if page is not None:
        if opened:
            remove_later(page, settings.get("console_page_seconds"))
        else:
            with contextlib.suppress(OSError):
                page.unlink()
    return opened


if __name__ == "__main__":  # the detached remover started by remove_later
    time.sleep(float(sys.argv[1]))
    with contextlib.suppress(OSError):
        os.unlink(sys.argv[2])
