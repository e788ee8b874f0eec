"""The code `rolecall use` hands the shell function to evaluate: one session's variables in, the
previous `use`'s out. Every value is quoted as data for its shell (formats.py's quoting)."""

from __future__ import annotations

from collections.abc import Mapping

from rolecall.core.domain.errors import ConfigError
from rolecall.core.text import formats
from rolecall.core.text.environ import REMOVED, prompt_variables, role_variables

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Session

# What `use` clears before it sets: credential selectors and a credential endpoint that would
# otherwise compete with the keys it sets.
CLEARED = (
    *REMOVED,
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "ROLECALL_EXPIRES",
)
# What a shell started by `rolecall use` had set by it: cleared from the program's own environment
# before it asks for the next session, so the old keys are never taken for a source.
SET_BY_USE = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "ROLECALL_EXPIRES",
)


def variables(session: Session, region: str | None) -> dict[str, str]:
    """The variables `use` sets: the session's AWS_* (AWS_CREDENTIAL_EXPIRATION as
    `aws configure export-credentials --format env` writes it), ROLECALL_PROFILE, and
    ROLECALL_EXPIRES (seconds since the epoch, which the prompt hook compares with the shell's clock)."""
    found = role_variables(session.credentials.to_dict(), region)
    expiration = session.credentials.expiration
    if expiration is not None:
        found["AWS_CREDENTIAL_EXPIRATION"] = expiration.isoformat()
    found.update(prompt_variables(session))
    for name, value in found.items():
        if "\0" in value:
            raise ConfigError(f"{name} contains a NUL character, which no shell variable can hold")
    return found


def script(shell: str, session: Session, chosen_region: str | None) -> str:
    """Code for `shell` that forgets the previous `use`, clears the competing variables, sets the
    session's (in its region), and records their names (for `use --unset`) and the --region the
    user chose (for the hook's refreshes)."""
    values = variables(session, session.region)
    cleared = [name for name in CLEARED if name not in values]
    names = " ".join(values)
    if shell in ("bash", "zsh"):
        lines = ["__rolecall_forget", "unset " + " ".join(cleared)]
        lines += [f"export {name}={formats.sh_quote(value)}" for name, value in values.items()]
        lines.append(f"__rolecall_vars={formats.sh_quote(names)}")
        lines.append(f"__rolecall_region={formats.sh_quote(chosen_region or '')}")
        lines.append("__rolecall_retry=0 __rolecall_warned=")
    elif shell == "fish":
        lines = ["__rolecall_forget"] + [f"set -e {name}" for name in cleared]
        lines += [f"set -gx {name} {formats.fish_quote(value)}" for name, value in values.items()]
        lines.append(f"set -g __rolecall_vars {names}")
        lines.append(f"set -g __rolecall_region {formats.fish_quote(chosen_region or '')}")
        lines.append("set -g __rolecall_retry 0")
        lines.append("set -g __rolecall_warned ''")
    elif shell == "powershell":
        lines = ["__rolecall_forget"] + [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in cleared]
        lines += [f"$Env:{name} = {formats.ps_quote(value)}" for name, value in values.items()]
        lines.append("$global:__rolecall_vars = @(" + ", ".join(f"'{name}'" for name in values) + ")")
        lines.append(f"$global:__rolecall_region = {formats.ps_quote(chosen_region or '')}")
        lines.append("$global:__rolecall_retry = 0")
        lines.append("$global:__rolecall_warned = $false")
    else:
        raise ConfigError(f"unknown shell {shell!r}; choose bash, zsh, fish or powershell")
    return "\n".join(lines) + "\n"


def without_use(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less the variables a `rolecall use` (or a rolecall shell) put there: the program
    asking for the next session must not take the previous keys for its source credentials."""
    if not environ.get("ROLECALL_PROFILE"):
        return dict(environ)
    return {k: v for k, v in environ.items() if k not in SET_BY_USE}
