"""Exported credentials read back the way their users read them: sourced by real shells (bash, dash,
zsh, fish), read by botocore's own INI loader, or parsed as JSON. No parser of rolecall's own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import tool, tool_path

NAMES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
)
# Which shells read which format, and how: env is sourced; dotenv is sourced with every variable exported.
SHELLS = {"env": ("bash", "dash", "zsh"), "dotenv": ("bash", "dash", "zsh"), "fish": ("fish",)}
POSIX_SHOW = " ".join(f'"${{{name}+=${name}}}"' for name in NAMES)  # "=value" when set, "" when not


def _run(argv: list[str], folder: Path) -> bytes:
    env = {"PATH": tool_path(), "HOME": str(folder), "LANG": "C.UTF-8", "AWS_PROFILE": "someone-else"}
    done = subprocess.run(argv, env=env, capture_output=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, (argv[0], done.stderr.decode(errors="replace"))
    return done.stdout


def _variables(out: bytes, count: int) -> list[dict[str, str]]:
    fields = out.decode("utf-8").split("\0")
    assert len(fields) == count * len(NAMES) + 1 and fields[-1] == "", out[-200:]
    return [
        {
            name: value[1:]
            for name, value in zip(NAMES, fields[i * len(NAMES) : (i + 1) * len(NAMES)], strict=True)
            if value
        }
        for i in range(count)
    ]


def sourced(shell: str, fmt: str, texts: list[str], folder: Path) -> list[dict[str, str]]:
    """The variables set after `shell` sources each of `texts` (one shell; each text from a clean slate,
    AWS_PROFILE set before it). Values come back byte for byte."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, text in enumerate(texts):
        path = folder / f"{fmt}-{number}"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    if shell == "fish":
        names = " ".join(NAMES[:-1])
        steps = [
            f"for n in {names}; set -e $n; end; set -gx AWS_PROFILE someone-else; source '{path}'; "
            f"for n in {' '.join(NAMES)}; if set -q $n; printf '=%s\\0' $$n; else; printf '\\0'; end; end"
            for path in files
        ]
        return _variables(_run([tool("fish"), "--no-config", "-c", "\n".join(steps)], folder), len(texts))
    load = "set -a; . '{}'; set +a" if fmt == "dotenv" else ". '{}'"
    steps = [f"({load.format(path)}; printf '%s\\0' {POSIX_SHOW})" for path in files]
    argv = [tool(shell), "-f", "-c"] if shell == "zsh" else [tool(shell), "-c"]  # zsh -f: no rc files
    return _variables(_run([*argv, "\n".join(steps)], folder), len(texts))


def read_back(fmt: str, text: str, folder: Path, profile: str | None = None) -> list[dict[str, str]]:
    """What each consumer of `fmt` gets from `text`, as the AWS_* variables it would set; one dict per
    consumer (every shell that reads the format, botocore for `credentials`, json for `json`)."""
    if fmt in SHELLS:
        return [sourced(shell, fmt, [text], folder / shell)[0] for shell in SHELLS[fmt]]
    if fmt == "json":
        data = json.loads(text)
        found = {"AWS_ACCESS_KEY_ID": data["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": data["SecretAccessKey"]}
        found |= {"AWS_SESSION_TOKEN": data["SessionToken"]} if "SessionToken" in data else {}
        found |= {"AWS_REGION": data["Region"]} if "Region" in data else {}
        return [found]
    if fmt == "credentials":
        from botocore.configloader import raw_config_parse

        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "credentials"
        path.write_text(text, encoding="utf-8")
        sections = raw_config_parse(str(path))
        assert profile is None or list(sections) == [profile], list(sections)
        (section,) = sections.values()
        names = {
            "aws_access_key_id": "AWS_ACCESS_KEY_ID",
            "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
            "aws_session_token": "AWS_SESSION_TOKEN",
            "region": "AWS_REGION",
        }
        return [{names[key]: value for key, value in section.items() if key in names}]
    raise AssertionError(f"no reader for {fmt} here")
