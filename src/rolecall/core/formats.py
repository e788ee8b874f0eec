"""Export and copy formats, each with a parser so a round trip can be checked."""

from __future__ import annotations

import json
import shlex

from collections.abc import Mapping

from rolecall.core.environ import REMOVED, role_variables

FORMATS = ("env", "fish", "powershell", "json", "dotenv", "credentials")


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _dotenv_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(fmt: str, session) -> str:
    """A Session's credentials in format `fmt`."""
    return render_credentials(fmt, session.credentials.to_dict(), session.profile, session.region)


def render_credentials(fmt: str, credentials: Mapping[str, str | None], profile: str, region: str | None) -> str:
    """Credentials in credential_process form (AccessKeyId, ...) as text in format `fmt`."""
    variables = role_variables(credentials, region)
    if fmt == "env":
        lines = [f"unset {name}" for name in REMOVED]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in variables.items()]
    elif fmt == "fish":
        lines = [f"set -e {name}" for name in REMOVED]
        lines += [f"set -gx {k} {_fish_quote(v)}" for k, v in variables.items()]
    elif fmt == "powershell":
        lines = [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in REMOVED]
        lines += [f"$Env:{k} = {_ps_quote(v)}" for k, v in variables.items()]
    elif fmt == "dotenv":
        lines = [f"{k}={_dotenv_quote(v)}" for k, v in variables.items()]
    elif fmt == "json":
        return json.dumps(process_json(credentials) | ({"Region": region} if region else {}), indent=2) + "\n"
    elif fmt == "credentials":
        lines = [f"[{profile}]", f"aws_access_key_id = {variables['AWS_ACCESS_KEY_ID']}",
                 f"aws_secret_access_key = {variables['AWS_SECRET_ACCESS_KEY']}"]
        if "AWS_SESSION_TOKEN" in variables:
            lines.append(f"aws_session_token = {variables['AWS_SESSION_TOKEN']}")
        if region:
            lines.append(f"region = {region}")
    else:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return "\n".join(lines) + "\n"


def process_json(credentials: Mapping[str, str | None]) -> dict:
    """The credential_process answer (Version 1) for credentials in that same form."""
    data = {"Version": 1}
    for key in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
        if credentials.get(key) is not None:
            data[key] = credentials[key]
    return data


def parse(fmt: str, text: str) -> dict[str, str]:
    """The AWS_* variables a rendered text sets (for round-trip tests and `--format` checks)."""
    found: dict[str, str] = {}
    if fmt == "json":
        data = json.loads(text)
        names = {"AccessKeyId": "AWS_ACCESS_KEY_ID", "SecretAccessKey": "AWS_SECRET_ACCESS_KEY",
                 "SessionToken": "AWS_SESSION_TOKEN", "Expiration": "AWS_CREDENTIAL_EXPIRATION"}
        found = {names[k]: v for k, v in data.items() if k in names}
        if "Region" in data:
            found["AWS_REGION"] = found["AWS_DEFAULT_REGION"] = data["Region"]
        return found
    if fmt == "credentials":
        import configparser

        parser = configparser.RawConfigParser()
        parser.read_string(text)
        section = parser[parser.sections()[0]]
        names = {"aws_access_key_id": "AWS_ACCESS_KEY_ID", "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
                 "aws_session_token": "AWS_SESSION_TOKEN", "region": "AWS_REGION"}
        return {names[k]: v for k, v in section.items() if k in names}
    for line in text.splitlines():
        if fmt == "env" and line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            found[name] = shlex.split(value)[0] if value else ""
        elif fmt == "fish" and line.startswith("set -gx "):
            name, _, value = line[len("set -gx "):].partition(" ")
            found[name] = _fish_unquote(value)
        elif fmt == "powershell" and line.startswith("$Env:"):
            name, _, value = line[len("$Env:"):].partition(" = ")
            found[name] = value[1:-1].replace("''", "'")
        elif fmt == "dotenv" and "=" in line:
            name, _, value = line.partition("=")
            found[name] = json.loads(value) if value.startswith('"') else value
    return found


def _fish_unquote(value: str) -> str:
    out, escaped = [], False
    for char in value[1:-1]:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)
