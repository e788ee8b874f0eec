"""What a Tab runs: the completion answered from the cache by an interpreter started with `-I -S`
(no site, no .pth finders), importing os, binascii (the index's crc32) and nothing of rolecall
but its package `__init__`s; the files it reads are in marshal, not json (see `load`). The init
scripts start it as

    PYTHON -I -S -c 'import sys;sys.path.append(sys.argv.pop(1));...' ROOT SHELL WORDS...

with the interpreter and package root of the `rolecall init` that printed them (`command`), and
run `rolecall __complete SHELL WORDS...` instead whenever it exits non-zero: when the completion
spec or the names file is not current (a profile was added, rolecall upgraded, the index broken),
when the interpreter or this module is gone, or on any surprise. It only reads: the program
rebuilds what is stale, so the next Tab is answered here again.

Currency is checked as the program checks it, by stamps only (path, size, mtime, inode): the
spec's key is rolecall's version and cli/table.py's stamp, the names file's the index key
(version and the profiles file, ~/.aws/config, ~/.aws/credentials) and the discovery files it
watches. The paths are computed the way core/store/paths.py computes them (XDG rules; on macOS and
Windows platformdirs decides, so there the init scripts call the program directly).
The shell-facing parts (splitting a bash line, the candidates, bash's escaping) live here and
serve the program too, so both answer alike.
"""

from __future__ import annotations

import binascii
import marshal
import os
import stat
import sys

from rolecall import __version__

TYPE_CHECKING = False  # started on every Tab: no typing at run time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Spec = dict[str, Any]  # {"global": [...], "global_valued": {...}, "commands": {name: {...}}}

# Where the cache and config directories follow the XDG rules (core/store/paths.py): only there can a
# Tab find the cache without platformdirs.
SERVES = sys.platform not in ("darwin", "win32")
BOOT = (
    "import sys;sys.path.append(sys.argv.pop(1));from rolecall.core.shell.tab import main;sys.exit(main(sys.argv[1:]))"
)
MISS = 3  # exit status: the cache cannot answer, let the program do it
MAX_BYTES = 64 << 20  # the names of 5,000 profiles take ~110 KB

# Characters bash gives a meaning to inside a word: a completed word carries them escaped.
_BASH_SPECIAL = frozenset(" \t\n'\"\\$`!&;|<>()*?[]{}#~^")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Miss(Exception):
    """The cache does not hold a current answer."""


def command() -> tuple[str, str] | None:
    """(interpreter, package root) to start this module with, or None when it cannot be started
    that way (another platform, no interpreter path, a package not on disk as files, a path with
    a control character or an undecodable byte, which the init script would show raw)."""
    root = os.path.dirname(_PACKAGE)
    here = os.path.join(root, "rolecall", "core", "shell", "tab.py")
    python = sys.executable
    if not (SERVES and python and os.path.isabs(python) and os.path.isfile(here)):
        return None
    if not (python.isprintable() and root.isprintable()):
        return None
    return python, root


def main(argv: list[str]) -> int:
    """Print the completions for `argv` (`bash LINE`, or `zsh|fish|powershell WORDS...`), one a
    line; MISS when the cache cannot answer."""
    try:
        answer = answer_for(argv)
    except Exception:  # stale, missing or broken files, or a request the program should judge
        return MISS
    text = "".join(f"{word}\n" for word in answer if "\n" not in word)
    try:
        sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "backslashreplace"))
        sys.stdout.buffer.flush()
    except (OSError, ValueError, AttributeError):
        return 1
    return 0


def answer_for(argv: list[str]) -> list[str]:
    if not SERVES:
        raise Miss
    cache = cache_dir()
    spec = _current_spec(cache)

    def names(profiles: str | None) -> list[str]:
        return _current_names(cache, profiles)

    if argv[:1] == ["bash"] and len(argv) == 2:
        words, raw = split_line(argv[1])
        return for_bash(candidates(words, spec, names), raw)
    if argv[:1] in (["zsh"], ["fish"], ["powershell"]) and len(argv) >= 2:
        return candidates(argv[1:], spec, names)
    raise Miss  # a malformed request: the program says what is wrong


# -- where things are: core/store/paths.py and core/store/layout.py, without pathlib, platformdirs or zlib


def normal(path: str) -> str:
    """`str(PurePosixPath(path))`: empty and `.` parts dropped, a leading `//` kept."""
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    return root + "/".join(part for part in path.split("/") if part and part != ".") or "."


def expanded(path: str) -> str:
    """`str(Path(path).expanduser())`."""
    path = normal(path)
    if path.startswith("~"):
        first, _, rest = path.partition("/")
        home = os.path.expanduser(first)
        if home.startswith("~"):
            raise Miss  # pathlib raises: the program says why
        path = normal(home + "/" + rest)
    return path


def _xdg(variable: str, default: str) -> str:
    base = os.environ.get(variable, "").strip()
    return normal((base or os.path.expanduser(default)) + "/rolecall")


def cache_dir() -> str:
    override = os.environ.get("ROLECALL_CACHE_DIR")
    return expanded(override) if override else _xdg("XDG_CACHE_HOME", "~/.cache")


def profiles_file(explicit: str | None) -> str:
    chosen = explicit or os.environ.get("ROLECALL_PROFILES")
    return expanded(chosen) if chosen else _xdg("XDG_CONFIG_HOME", "~/.config") + "/profiles.yaml"


def names_file_name(profiles: str) -> str:
    """layout.index_file_name with `names-` for `index-`."""
    return f"names-{binascii.crc32(profiles.encode('utf-8', 'surrogateescape')):08x}.marshal"


def spec_file_name() -> str:
    return f"completion-{__version__}.marshal"


def load(path: str) -> Any:
    """A file the program wrote for a Tab, in marshal: the format of Python's own .pyc files,
    built into the interpreter, where `import json` would load re, enum and collections and cost
    a third of a Tab. Read only from a regular file (no link followed) that this user owns and no
    one else can write, in a directory that is the same (as storage.trusted asks of a session):
    what only the user's own rolecall can have written, like the .pyc files Python trusts."""
    folder = os.lstat(os.path.dirname(path))
    with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not (stat.S_ISREG(info.st_mode) and _ours(info) and stat.S_ISDIR(folder.st_mode) and _ours(folder)):
            raise Miss
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Miss
    return marshal.loads(data)


def _ours(info: os.stat_result) -> bool:
    return sys.platform == "win32" or (info.st_uid == os.getuid() and not info.st_mode & 0o022)


def dump(value: Any) -> bytes:
    return marshal.dumps(value)


def stamp(path: str) -> list[Any]:
    """layout.stamp."""
    try:
        info = os.stat(path)
    except OSError:
        return [path, None]
    return [path, info.st_size, info.st_mtime_ns, info.st_ino]


def names_key(profiles: str) -> list[Any]:
    """quick.index_key."""
    sources = (
        profiles,
        expanded(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"),
        expanded(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"),
    )
    return [__version__] + [stamp(path) for path in sources]


def _current_spec(cache: str) -> Spec:
    data = load(os.path.join(cache, spec_file_name()))
    version, table = data["key"]
    # The same file, however it was reached (a link to the package): size, mtime and inode.
    if version != __version__ or table[1:] != stamp(os.path.join(_PACKAGE, "cli", "table.py"))[1:]:
        raise Miss
    spec: Spec = data["spec"]
    return spec


def _current_names(cache: str, explicit: str | None) -> list[str]:
    profiles = profiles_file(explicit)
    data = load(os.path.join(cache, names_file_name(profiles)))
    if data["key"] != names_key(profiles) or any(stamp(entry[0]) != entry for entry in data["watched"]):
        raise Miss
    return [name for name in data["names"] if isinstance(name, str)]


# -- the answer, shared with `rolecall __complete`


def candidates(words: list[str], spec: Spec, names: Callable[[str | None], list[str]]) -> list[str]:
    """What may stand in place of the last of `words` (words[0] is the program, the last is the
    word being typed, possibly empty)."""
    current = words[-1] if words else ""
    before = words[1:-1]
    command: str | None = None
    profiles: str | None = None
    positionals: list[str] = []
    expecting: str | None = None
    for word in before:
        if expecting is not None:
            if expecting == "--profiles":
                profiles = word
            expecting = None
            continue
        if word == "--":
            return []  # a command to run follows: the shell's own completion knows it better
        valued = spec["global_valued"] if command is None else spec["commands"][command]["valued"]
        if word.startswith("-"):
            if word in valued:
                expecting = word
            elif word.startswith("--profiles="):
                profiles = word.split("=", 1)[1]
        elif command is None:
            if word not in spec["commands"]:
                return []
            command = word
        else:
            positionals.append(word)
    if expecting is not None:
        table = spec["global_valued"] if command is None else spec["commands"][command]["valued"]
        found = table.get(expecting) or []
    elif command is None:
        found = spec["global"] if current.startswith("-") else list(spec["commands"])
    else:
        entry = spec["commands"][command]
        if current.startswith("-"):
            found = entry["options"]
        elif positionals:
            found = []
        elif entry.get("choices"):
            found = entry["choices"]
        elif entry.get("profile"):
            found = names(profiles)
        else:
            found = []
    return sorted(word for word in found if word.startswith(current))


def split_line(line: str) -> tuple[list[str], str]:
    """A bash command line up to the cursor as words (quotes and backslashes undone) and the raw
    text of the last word as typed; a line ending in a space starts a new, empty word."""
    words: list[str] = []
    word: list[str] = []
    raw_start = 0
    quote: str | None = None
    escaped = in_word = False
    for at, char in enumerate(line):
        if escaped:
            word.append(char)
            escaped = False
        elif quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                escaped = True
            else:
                word.append(char)
        elif char in " \t\n":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            raw_start = at + 1
            continue
        elif char in "'\"":
            quote = char
        elif char == "\\":
            escaped = True
        else:
            word.append(char)
        in_word = True
    words.append("".join(word))
    return words, line[raw_start:]


def bash_escape(word: str) -> str:
    return "".join("\\" + char if char in _BASH_SPECIAL else char for char in word)


def for_bash(found: list[str], raw_last: str) -> list[str]:
    """Candidates as bash inserts them: escaped, and cut after the last `:` or `=` of the word as
    typed, since readline replaces only the text after the characters bash splits words at."""
    cut = max(raw_last.rfind(":"), raw_last.rfind("=")) + 1
    out = []
    for word in found:
        escaped = bash_escape(word)
        out.append(escaped[cut:] if escaped.startswith(raw_last[:cut]) else escaped)
    return out
