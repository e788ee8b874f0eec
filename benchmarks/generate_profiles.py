"""Write a profiles.yaml with ACCOUNTS accounts of ROLES roles each (default 500 x 10 = 5,000).

Usage: python benchmarks/generate_profiles.py OUT.yaml [ACCOUNTS] [ROLES]
"""

from __future__ import annotations

import sys
from pathlib import Path

ENVS = ("prod", "staging", "dev", "sandbox", "shared")
ROLES = (
    "Admin",
    "ReadOnly",
    "Developer",
    "Deploy",
    "Auditor",
    "NetworkAdmin",
    "Billing",
    "Support",
    "DataEngineer",
    "SecurityAudit",
    "PowerUser",
    "Operator",
)


def generate(accounts: int = 500, roles: int = 10) -> str:
    lines = [
        "version: 1",
        "defaults:",
        "  region: eu-west-1",
        "  source_profile: corp",
        "  mfa_serial: arn:aws:iam::111111111111:mfa/alice",
        "accounts:",
    ]
    for n in range(accounts):
        env = ENVS[n % len(ENVS)]
        lines += [
            f'  - id: "{100000000000 + n}"',
            f"    name: {env}-{n:04d}",
            f"    tags: {{env: {env}, team: team{n % 17}}}",
            "    roles:",
        ]
        for r in range(roles):
            role = ROLES[r % len(ROLES)] + (str(r // len(ROLES)) if r >= len(ROLES) else "")
            lines.append(f"      - role: {role}")
            if role == "Admin":
                lines.append("        mfa: true")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1])
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    roles = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    out.write_text(generate(accounts, roles), encoding="utf-8")
    print(f"wrote {out}: {accounts} accounts x {roles} roles")
