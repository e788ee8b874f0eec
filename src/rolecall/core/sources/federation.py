"""Kind "federation": GetFederationToken for a federated user of an IAM user (up to 36 h).

profiles.yaml accounts list `federated_users:`, each with `name`, a `policy` (JSON text or a
mapping) and/or `policy_arns`, `duration` (15m..36h) and `source_profile` (the IAM user's
long-term keys). The profile is `<account>/<name>`; its "role ARN" is the federated user's ARN,
`arn:aws:sts::<account>:federated-user/<name>`. AWS gives a federated user only what both the
IAM user and the policy allow, and nothing at all without a policy, so one is required.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.errors import ConfigError, Problem
from rolecall.core.domain.profiles import Profile, partition_for
from rolecall.core.sources.base import CredentialSource, Settings, settings_of
from rolecall.core.sources.keys import base_credentials
from rolecall.core.text.yaml_lines import EntryProblems

if TYPE_CHECKING:
    from pathlib import Path

    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext

FEDERATED_NAME = re.compile(r"^[\w+=,.@-]{2,32}$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")
ENTRY_KEYS = {"name", "policy", "policy_arns", "duration", "source_profile", "region"}
FEDERATION_MIN, FEDERATION_MAX = 15 * durations.MINUTE, 36 * durations.HOUR
MAX_POLICY = 2048  # AWS's limit on the inline policy, whitespace excluded


@dataclass(frozen=True)
class FederationSettings(Settings):
    user: str
    policy: str = ""  # compact JSON, or empty
    policy_arns: tuple[str, ...] = ()


class Federation(CredentialSource):
    kind = "federation"
    settings = FederationSettings
    max_duration = FEDERATION_MAX

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        settings = settings_of(profile, FederationSettings)
        facts = [("federated user", settings.user), *super().describe(profile)]
        if settings.policy_arns:
            facts.append(("policy ARNs", ", ".join(settings.policy_arns)))
        return facts

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        settings = settings_of(profile, FederationSettings)
        base = base_credentials(profile)
        if base.temporary:
            raise ConfigError(
                f"{profile.name}: GetFederationToken needs an IAM user's long-term keys, "
                f"and {profile.source_profile or 'the environment'} holds temporary credentials",
                hint="point source_profile at the IAM user's access key in ~/.aws/credentials",
            )
        return ctx.sts.get_federation_token(
            base,
            settings.user,
            seconds,
            policy=settings.policy or None,
            policy_arns=settings.policy_arns,
            region=profile.region,
        )

    @staticmethod
    def problems(
        node: object, source_path: str | Path, line: int | None, inherited: dict[str, Any] | None = None
    ) -> list[Problem]:
        return validate_federated_user(node, source_path, line, inherited)


def load_federated_users(
    entries: list[Any], account_id: str, account_name: str, inherited: dict[str, Any], source_path: str | Path
) -> tuple[list[tuple[Profile, int]], list[Problem]]:
    """Profiles for an account's `federated_users:`; `inherited` holds the account's resolved
    settings (region, source_profile, tags) that an entry may override."""
    found: list[tuple[Profile, int]] = []
    problems: list[Problem] = []
    for entry in entries:
        line = getattr(entry, "line", None)
        entry_problems = Federation.problems(entry, source_path, line, inherited)
        problems.extend(entry_problems)
        if entry_problems:
            continue
        name = entry["name"]
        region = entry.get("region", inherited.get("region"))
        duration = durations.parse_duration(entry["duration"]) if entry.get("duration") is not None else durations.HOUR
        found.append(
            (
                Profile(
                    name=f"{account_name}/{name}",
                    role_arn=f"arn:{partition_for(region)}:sts::{account_id}:federated-user/{name}",
                    account_id=account_id,
                    account_name=account_name,
                    role_name=name,
                    origin=f"{source_path}:{line}" if line else str(source_path),
                    region=region,
                    source_profile=entry.get("source_profile", inherited.get("source_profile")),
                    duration=duration,
                    tags=dict(inherited.get("tags", {})),
                    chromium_profile=inherited.get("chromium_profile"),
                    kind="federation",
                    settings=FederationSettings(
                        name, policy_text(entry.get("policy")), tuple(entry.get("policy_arns") or ())
                    ),
                ),
                line or 0,
            )
        )
    return found, problems


def policy_text(policy: object) -> str:
    """The policy as compact JSON text: a mapping written in YAML, or JSON written as text."""
    if policy is None:
        return ""
    if isinstance(policy, str):
        policy = json.loads(policy)
    return json.dumps(policy, separators=(",", ":"))


def validate_federated_user(
    node: object, source_path: str | Path, line: int | None, inherited: dict[str, Any] | None = None
) -> list[Problem]:
    """Problems with one `federated_users:` entry, each as `path:line: message`."""
    entry = EntryProblems(
        node, source_path, line, "federated user", ENTRY_KEYS, "name, policy or policy_arns, and source_profile"
    )
    problems, problem = entry.problems, entry.add
    if not isinstance(node, dict):
        return problems
    name = node.get("name")
    if not isinstance(name, str) or not FEDERATED_NAME.match(name):
        problem("a federated user needs a name of 2 to 32 letters, digits and +=,.@-", "name")
    what = f"federated user {name}" if isinstance(name, str) else "federated user"
    policy, arns = node.get("policy"), node.get("policy_arns")
    if policy is None and not arns:
        problem(f"{what}: needs a policy or policy_arns (AWS gives a federated user nothing without one)")
    why = _policy_problem(policy)
    if why:
        problem(f"{what}: policy is not a usable JSON policy: {why}", "policy")
    if arns is not None and (
        not isinstance(arns, list)
        or not all(isinstance(a, str) and POLICY_ARN.match(a) for a in arns)
        or len(arns) > 10
    ):
        problem(f"{what}: policy_arns must be a list of up to 10 managed policy ARNs", "policy_arns")
    if node.get("duration") is not None:
        try:
            seconds = durations.parse_duration(node["duration"])
            durations.check_range(seconds, FEDERATION_MIN, FEDERATION_MAX, "duration")
        except ValueError as exc:
            problem(f"{what}: {exc}", "duration")
    source_profile = node.get("source_profile", (inherited or {}).get("source_profile"))
    if not isinstance(source_profile, str) or not source_profile.strip():
        problem(
            f"{what}: needs source_profile, the IAM user whose keys GetFederationToken is called with", "source_profile"
        )
    if "region" in node and (not isinstance(node["region"], str) or not node["region"].strip()):
        problem(f"{what}: region must be text", "region")
    return problems


def _policy_problem(policy: object) -> str | None:
    if policy is None:
        return None
    if not isinstance(policy, (str, dict)):
        return "a policy is a JSON object"
    try:
        text = policy_text(policy)
    except ValueError as exc:
        return str(exc).splitlines()[0]
    if not text.startswith("{"):
        return "a policy is a JSON object"
    if len(text) > MAX_POLICY:
        return f"it is {len(text)} characters and AWS accepts {MAX_POLICY}"
    return None
