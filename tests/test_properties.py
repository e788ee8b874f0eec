"""Property tests: the parsers never fail in an unplanned way, and the formats round-trip."""

from __future__ import annotations

from datetime import datetime, timezone

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.core import formats
from rolecall.core.credentials import Credentials, Session
from rolecall.core.durations import format_duration, parse_duration
from rolecall.core.errors import Problem
from rolecall.core.profiles import Profile, build_catalog
from rolecall.core.sources.profiles_yaml import _Reader
from rolecall.core.yaml_lines import read_yaml

FEW = settings(max_examples=200, deadline=None)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
keys = st.sampled_from(["version", "defaults", "accounts", "id", "name", "roles", "role", "arn", "via", "mfa",
                        "mfa_serial", "duration", "region", "tags", "session_tags", "external_id", "x"])
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
                         max_leaves=25)


def parse(text: str) -> tuple[list, list]:
    data, problems = read_yaml(text, "profiles.yaml")
    if data is None and problems:
        return [], problems
    reader = _Reader("profiles.yaml")
    found = reader.read(data)
    catalog = build_catalog(found, [], problems + reader.problems)
    return list(catalog.profiles.values()), catalog.problems


@FEW
@given(st.text(max_size=300))
def test_any_text_gives_profiles_or_problems_never_an_exception(text):
    profiles, problems = parse(text)
    assert all(isinstance(p, Profile) for p in profiles)
    assert all(isinstance(p, Problem) and p.message for p in problems)


@FEW
@given(documents)
def test_any_yaml_structure_gives_profiles_or_problems_never_an_exception(document):
    profiles, problems = parse(yaml.safe_dump(document))
    assert all(isinstance(p, Profile) for p in profiles)
    assert all(isinstance(p, Problem) for p in problems)


@FEW
@given(st.integers(min_value=1, max_value=10**7))
def test_duration_round_trip(seconds):
    assert parse_duration(format_duration(seconds)) == seconds
    assert parse_duration(str(seconds)) == seconds


@FEW
@given(st.one_of(st.text(max_size=12), st.floats(), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)))
def test_duration_parser_raises_only_value_error(value):
    try:
        assert parse_duration(value) > 0
    except ValueError as exc:
        assert str(exc)


AWS_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
PRINTABLE = "".join(chr(c) for c in range(32, 127))


def secrets(alphabet: str):
    return st.text(alphabet=alphabet, min_size=1, max_size=80)


@FEW
@given(
    key=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16, max_size=20),
    secret=st.one_of(secrets(AWS_CHARS), secrets(PRINTABLE)),
    token=st.one_of(secrets(AWS_CHARS), secrets(PRINTABLE)),
    region=st.sampled_from(["eu-west-1", "us-east-1", None]),
)
def test_every_export_format_round_trips(key, secret, token, region):
    session = Session(
        profile="prod/Admin",
        role_arn="arn:aws:iam::222222222222:role/Admin",
        credentials=Credentials(key, secret, token, datetime(2026, 1, 1, 13, tzinfo=timezone.utc)),
        region=region,
    )
    for fmt in formats.FORMATS:
        if fmt == "credentials" and (secret != secret.strip() or token != token.strip()):
            continue  # INI values lose surrounding spaces; AWS never issues such secrets
        parsed = formats.parse(fmt, formats.render(fmt, session))
        assert parsed["AWS_ACCESS_KEY_ID"] == key, fmt
        assert parsed["AWS_SECRET_ACCESS_KEY"] == secret, fmt
        assert parsed["AWS_SESSION_TOKEN"] == token, fmt
        if region:
            assert parsed["AWS_REGION"] == region, fmt


@FEW
@given(st.text(max_size=40))
def test_cache_file_names_are_urllib_quoting(key):
    from urllib.parse import quote

    from rolecall.core.layout import entry_file_name

    assert entry_file_name(key) == quote(key, safe="") + ".json"
