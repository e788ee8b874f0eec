"""Shared by the console tests: URL readers (urllib.parse, whole values, never substrings), the
redirect page's reader, and a fake browser that logs what it was given."""

from __future__ import annotations

import json
import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

TOKEN = "demo-sign-in-token"
HOME = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, strict_parsing=True, keep_blank_values=True)


def login_parts(url: str, federation_base: str) -> dict[str, str]:
    """The login URL's parameters, after checking it is the stand-in's /federation with one of each."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == federation_base
    found = query(url)
    assert all(len(values) == 1 for values in found.values()), found
    return {key: values[0] for key, values in found.items()}


def expected_login(destination: str) -> dict[str, str]:
    return {"Action": "login", "Issuer": "rolecall", "Destination": destination, "SigninToken": TOKEN}


class Page(HTMLParser):
    """Where a redirect page sends the browser: its meta refresh, its script's target and its link."""

    def __init__(self, text: str):
        super().__init__()
        self.refresh = self.link = self.script = None
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("http-equiv") == "refresh":
            delay, _, target = attrs["content"].partition(";url=")
            assert delay == "0"
            self.refresh = target
        elif tag == "a":
            self.link = attrs["href"]
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script and data.startswith("location.replace("):
            self.script = json.loads(data.removeprefix("location.replace(").removesuffix(");"))

    def handle_endtag(self, tag):
        self._in_script = False


@pytest.fixture(name="base")
def base_fixture(federation):
    """The federation stand-in's URL (the `federation` fixture started it)."""
    return os.environ["ROLECALL_FEDERATION_URL"]


@pytest.fixture(name="fake_browser")
def fake_browser_fixture(tmp_path):
    """An executable that logs, per run, its arguments and (for a file:// argument) the page, its
    mode and its directory's mode. `.runs()` reads the log; `.path` is the command."""

    class FakeBrowser:
        def __init__(self, name: str = "fakebrowser", code: int = 0):
            folder = tmp_path / "bin"
            folder.mkdir(exist_ok=True)
            self.log = tmp_path / f"{name}.log"
            self.path = folder / name
            self.path.write_text(
                f"#!{sys.executable}\n"
                "import json, os, stat, sys\n"
                "from urllib.parse import urlsplit, unquote\n"
                "run = {'argv': sys.argv[1:]}\n"
                "for arg in sys.argv[1:]:\n"
                "    if arg.startswith('file://'):\n"
                "        path = unquote(urlsplit(arg).path)\n"
                "        run['page'] = open(path).read()\n"
                "        run['mode'] = stat.S_IMODE(os.stat(path).st_mode)\n"
                "        run['dir_mode'] = stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)\n"
                "        run['path'] = path\n"
                f"with open({str(self.log)!r}, 'a') as log:\n"
                "    log.write(json.dumps(run) + '\\n')\n"
                f"sys.exit({code})\n",
                encoding="utf-8",
            )
            self.path.chmod(0o755)

        def runs(self) -> list[dict]:
            if not self.log.exists():
                return []
            return [json.loads(line) for line in self.log.read_text().splitlines()]

    return FakeBrowser


def nothing_happened(cli, federation, browser=None) -> None:
    """No sign-in token asked for, no session assumed, no browser run."""
    assert federation == []
    assert cli("sessions", "--json").json() == []
    if browser is not None:
        assert browser.runs() == []
