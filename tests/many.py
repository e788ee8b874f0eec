"""5,000 profiles (500 accounts of 10 roles) as profiles.yaml: the size the app must stay quick at."""

from __future__ import annotations

ACCOUNTS, ROLES = 500, 10
ROLE_NAMES = (
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
)
ENVIRONMENTS = ("prod", "staging", "dev", "sandbox", "shared")


def many_profiles() -> str:
    """Accounts `prod-0000`, `staging-0001`, ... with ids from 100000000000, each with every role."""
    lines = ["version: 1", "defaults: {region: eu-west-1, source_profile: corp}", "accounts:"]
    roles = ", ".join(f"{{role: {role}}}" for role in ROLE_NAMES[:ROLES])
    for n in range(ACCOUNTS):
        name = f"{ENVIRONMENTS[n % len(ENVIRONMENTS)]}-{n:04d}"
        lines.append(f'  - {{id: "{100000000000 + n}", name: {name}, roles: [{roles}]}}')
    return "\n".join(lines) + "\n"
