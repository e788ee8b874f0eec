"""`rolecall sso populate`: a `[profile ...]` in ~/.aws/config for every discovered account and role,
for the tools that read that file (the AWS CLI, terraform, IDEs).

The file is edited line by line, never re-serialised: every other section, comment and blank line
stays as it was. A section rolecall made carries a marker comment naming its SSO session
(`# managed by rolecall sso populate (sso-session corp)`); only those are ever renamed, corrected
or (with prune) removed, and in them only the keys that tie the profile to its account and role
(`sso_session` or the legacy start URL, `sso_account_id`, `sso_role_name`) are kept true. `region`
is written when the profile is made and is the user's after that, like every key the user adds.
A second run with the same discovery changes no byte. Nothing secret is ever written.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rolecall.core.domain.errors import ConfigError
from rolecall.core.store import storage
from rolecall.core.text import ini_lines

if TYPE_CHECKING:
    from rolecall.core.sso.discovery import Discovery  # the portal's client: only for `populate` itself
    from rolecall.core.sso.session import SsoSession

DEFAULT_TEMPLATE = "{account}/{role}"
PLACEHOLDERS = {
    "account": "the account's name in the portal",
    "account_id": "the 12-digit account id",
    "role": "the role (permission set) name",
    "session": "the SSO session's name",
    "region": "the region written to the profile",
}
MARK = "# managed by rolecall sso populate (sso-session {session})"
_MARK = re.compile(r"^#\s*managed by rolecall sso populate \(sso-session (.+)\)\s*$")
_KEY = re.compile(r"^([^\s=#;\[][^=]*?)\s*=\s*(.*?)\s*$")
UNSAFE = re.compile(r"[^A-Za-z0-9_.+=,@-]+")
NAME = re.compile(r"^[A-Za-z0-9_.+=,@/-]{1,128}$")
SECRET_LINE = re.compile(
    r"^([ +-]?\s*(?:aws_secret_access_key|aws_session_token|aws_security_token)\s*[=:]\s*).+$", re.IGNORECASE
)
BACKUP_SUFFIX = ".rolecall-backup"


@dataclass(frozen=True)
class Wanted:
    """One profile the discovery asks for."""

    name: str
    account_id: str
    role: str
    region: str


def wanted(found: Discovery, session: SsoSession, template: str, region: str) -> list[Wanted]:
    """The profiles for every discovered account and role, named by `template`, sorted by name;
    a template that is malformed, or makes a name the AWS CLI cannot use or the same name twice,
    is a ConfigError."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(f"template {template!r} cannot be read: {exc}") from None
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for _, name, spec, conversion in parts:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            raise ConfigError(f"template {template!r}: unknown placeholder {{{name}}}; use {known}")
    made: dict[str, Wanted] = {}
    for account in found.accounts:
        for role in account.roles:
            values = {
                "account": account.name,
                "account_id": account.account_id,
                "role": role,
                "session": session.name,
                "region": region,
            }
            name = template.format(**{key: _safe(value) for key, value in values.items()})
            if not NAME.match(name):
                raise ConfigError(
                    f"template {template!r} makes {name!r}, which is not a profile name the AWS CLI "
                    "reads unquoted (letters, digits and _.+=,@/- only, at most 128)"
                )
            if name in made:
                other = made[name]
                raise ConfigError(
                    f"template {template!r} names two roles {name!r} ({other.account_id} "
                    f"{other.role} and {account.account_id} {role}); add {{account_id}} to it"
                )
            made[name] = Wanted(name, account.account_id, role, region)
    return sorted(made.values(), key=lambda w: w.name)


def _safe(value: str) -> str:
    """A discovered name with every run of characters a profile name cannot hold made one `-`."""
    return UNSAFE.sub("-", value).strip("-") or "-"


@dataclass
class _Section:
    start: int  # the header's line index
    end: int  # one past its last line
    header: str
    name: str | None  # the profile's name, for a profile section
    owner: str | None = None  # the SSO session of a section rolecall made
    keys: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (line index, value)

    @property
    def account_role(self) -> tuple[str, str]:
        return self.keys.get("sso_account_id", (0, ""))[1], self.keys.get("sso_role_name", (0, ""))[1]


def _sections(lines: list[str]) -> list[_Section]:
    sections: list[_Section] = []
    for index, line in enumerate(lines):
        header = ini_lines.HEADER.match(line.strip())
        if header:
            if sections:
                sections[-1].end = index
            sections.append(
                _Section(index, len(lines), header.group(1).strip(), ini_lines.profile_name(header.group(1).strip())[0])
            )
            continue
        if not sections:
            continue
        current = sections[-1]
        mark = _MARK.match(line.strip())
        if mark and current.owner is None:
            current.owner = mark.group(1).strip()
        key = _KEY.match(line)
        if key and not line[:1].isspace():
            current.keys.setdefault(key.group(1).strip().lower(), (index, key.group(2)))
    return sections


@dataclass
class Plan:
    """What populate would do to the config file: its text before and after, and a summary."""

    path: Path
    before: bytes
    after: str
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # made for roles no longer discovered, kept
    skipped: list[str] = field(default_factory=list)  # the name is a section the user owns

    @property
    def old_text(self) -> str:
        return self.before.decode("utf-8")

    @property
    def changed(self) -> bool:
        return self.after != self.old_text

    def diff(self) -> str:
        """A unified diff of the change, with the value of any secret key in the context hidden."""
        lines = difflib.unified_diff(
            self.old_text.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            str(self.path),
            f"{self.path} (populated)",
        )
        out = []
        for line in lines:
            out.append(SECRET_LINE.sub(r"\1<hidden>", line.rstrip("\n")) + "\n")
            if not line.endswith("\n"):
                out.append("\\ No newline at end of file\n")
        return "".join(out)


def _tie_keys(session: SsoSession, want: Wanted) -> dict[str, str]:
    """The keys that make a profile this account and role of this session."""
    if session.legacy:
        link = {"sso_start_url": session.start_url, "sso_region": session.region}
    else:
        link = {"sso_session": session.name}
    return {**link, "sso_account_id": want.account_id, "sso_role_name": want.role}


def _section_text(header: str, session: SsoSession, keys: dict[str, str]) -> list[str]:
    return [f"[{header}]\n", MARK.format(session=session.name) + "\n", *(f"{k} = {v}\n" for k, v in keys.items())]


def read_config(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; nothing written") from None
    return raw


def plan(path: Path, session: SsoSession, wants: list[Wanted], *, prune: bool = False) -> Plan:
    """What the config file at `path` becomes with a profile for each of `wants`."""
    before = read_config(path)
    result = Plan(path, before, "")
    lines = before.decode("utf-8").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    sections = _sections(lines)
    # Ours: marked for this session, and saying which account and role (a marked section whose
    # sso_account_id or sso_role_name was deleted is the user's now). A copy of one is a stale one.
    ours: dict[tuple[str, str], _Section] = {}
    stale: list[_Section] = []
    for section in sections:
        if section.owner == session.name and section.name is not None and all(section.account_role):
            if section.account_role in ours:
                stale.append(section)
            else:
                ours[section.account_role] = section
    by_pair = {(w.account_id, w.role): w for w in wants}
    kept_sections = {id(s) for s in ours.values() if s.account_role in by_pair}
    drop: set[int] = set()
    for section in [s for s in ours.values() if s.account_role not in by_pair] + stale:
        (result.pruned if prune else result.gone).append(section.name or "")
        if prune:
            drop.add(id(section))
    taken = {s.name for s in sections if s.name is not None and id(s) not in kept_sections and id(s) not in drop}
    edits: dict[int, str | None] = {}  # line index -> its new text (None: removed)
    inserts: dict[int, list[str]] = {}  # line index -> lines put before it
    new: list[str] = []
    for want in wants:
        mine = ours.get((want.account_id, want.role))
        if want.name in taken:
            result.skipped.append(want.name)
            continue
        tie = _tie_keys(session, want)
        if mine is None:
            new += ["\n"] + _section_text(f"profile {want.name}", session, {**tie, "region": want.region})
            result.added.append(want.name)
            continue
        if mine.name != want.name:
            edits[mine.start] = f"[profile {want.name}]\n"
            result.renamed.append((mine.name or "", want.name))
        fixed = False
        insert_at = _last_content(mine, lines) + 1
        for key, value in tie.items():
            where = mine.keys.get(key)
            if where is None:
                inserts.setdefault(insert_at, []).append(f"{key} = {value}\n")
                fixed = True
            elif where[1] != value:
                edits[where[0]] = f"{key} = {value}\n"
                fixed = True
        if fixed:
            result.corrected.append(want.name)
    for section in sections:
        if id(section) in drop:
            for index in _owned_lines(section, lines):
                edits[index] = None
    if (
        new
        and not session.legacy
        and not any(s.header.split(None, 1) == ["sso-session", session.name] for s in sections)
    ):
        scopes = ",".join(session.scopes)
        new = [
            "\n",
            f"[sso-session {session.name}]\n",
            MARK.format(session=session.name) + "\n",
            f"sso_start_url = {session.start_url}\n",
            f"sso_region = {session.region}\n",
            f"sso_registration_scopes = {scopes}\n",
            *new,
        ]
    out: list[str] = []
    for index, line in enumerate(lines):
        out += inserts.get(index, [])
        edited = edits.get(index, line)
        if edited is not None:
            out.append(edited)
    out += inserts.get(len(lines), [])
    if new:
        if not out or out[-1] == "\n":
            new = new[1:]
        out += new
    after = "".join(out)
    result.after = before.decode("utf-8") if after == "".join(lines) else after
    return result


def _last_content(section: _Section, lines: list[str]) -> int:
    """The section's last line that is a key (a repeated one too), a value continued on an
    indented line, or the marker (comments and blank lines after it most likely introduce what
    follows). A pruned section that left a repeated key behind gave it to the section above."""
    last = section.start
    for index in range(section.start + 1, section.end):
        line = lines[index]
        if line.strip() and (_KEY.match(line) or line[:1].isspace() or _MARK.match(line.strip())):
            last = index
    return last


def _owned_lines(section: _Section, lines: list[str]) -> range:
    """The lines a pruned section takes with it: the header to its last content, and the blank
    lines after; comments after its last key stay."""
    end = _last_content(section, lines) + 1
    while end < section.end and not lines[end].strip():
        end += 1
    return range(section.start, end)


def write(result: Plan) -> Path | None:
    """Write the planned text over the config file, keeping the old one as `<name>.rolecall-backup`;
    refused when the file changed since it was read. Returns the backup (None: there was no file)."""
    now = read_config(result.path)
    if now != result.before:
        raise ConfigError(f"{result.path} changed while populate was working; nothing written", hint="run it again")
    backup = None
    if result.before:
        backup = result.path.with_name(result.path.name + BACKUP_SUFFIX)
        storage.write_atomic(backup, result.before)
    storage.write_atomic(result.path, result.after.encode("utf-8"))
    return backup
