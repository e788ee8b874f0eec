"""Property tests: the parsers never fail in an unplanned way, and the formats round-trip."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rolecall.core.domain.durations import format_duration, parse_duration
from rolecall.core.domain.errors import Problem
from rolecall.core.domain.profiles import Profile, build_catalog
from rolecall.core.sources.profiles_yaml import _Reader
from rolecall.core.store import layout
from rolecall.core.text import formats
from rolecall.core.text.yaml_lines import read_yaml
from tests.exports import SHELLS, read_back, sourced

FEW = settings(max_examples=200, deadline=None)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
keys = st.sampled_from(
    [
        "version",
        "defaults",
        "accounts",
        "id",
        "name",
        "roles",
        "role",
        "arn",
        "via",
        "mfa",
        "mfa_serial",
        "duration",
        "region",
        "tags",
        "session_tags",
        "external_id",
        "x",
    ]
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=25
)


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
# Real shells read the shell formats back, one shell run per example for a batch of values.
BATCHES = settings(max_examples=25, deadline=None)


def secrets(alphabet: str):
    return st.text(alphabet=alphabet, min_size=1, max_size=80)


def round_trips(batch: list[tuple[dict, str, str | None]]) -> list[tuple[str, dict, dict]]:
    """(format, what was rendered, what a consumer read back) for every item of `batch` (credentials,
    profile, region) in every format but powershell (no PowerShell here: its quoting has its own test).
    Items a format refuses (ConfigError) are left out of that format."""
    from rolecall.core.domain.errors import ConfigError

    found = []
    with tempfile.TemporaryDirectory() as folder:
        for fmt in formats.FORMATS:
            if fmt == "powershell":
                continue
            rendered = []
            for credentials, profile, region in batch:
                try:
                    rendered.append(
                        (formats.render_credentials(fmt, credentials, profile, region), credentials, profile, region)
                    )
                except ConfigError as exc:
                    assert fmt != "json" and exc.message
                    values = [*credentials.values(), region or "", profile]
                    assert any("\0" in v for v in values if v) or fmt == "credentials", fmt
            if fmt in SHELLS:
                texts = [text for text, *_ in rendered]
                for shell in SHELLS[fmt]:
                    seen = sourced(shell, fmt, texts, Path(folder) / shell)
                    found += [
                        (f"{fmt} in {shell}", item[1] | {"Region": item[3]}, back)
                        for item, back in zip(rendered, seen, strict=True)
                    ]
            else:
                for number, (text, credentials, profile, region) in enumerate(rendered):
                    (back,) = read_back(fmt, text, Path(folder) / str(number), profile)
                    found.append((fmt, credentials | {"Region": region}, back))
    return found


def assert_carried(fmt: str, given: dict, back: dict) -> None:
    assert back["AWS_ACCESS_KEY_ID"] == given["AccessKeyId"], fmt
    assert back["AWS_SECRET_ACCESS_KEY"] == given["SecretAccessKey"], fmt
    if given["SessionToken"]:
        assert back["AWS_SESSION_TOKEN"] == given["SessionToken"], fmt
    if given["Region"]:
        assert back["AWS_REGION"] == given["Region"], fmt


def aws_like(key, secret, token, region):
    credentials = {
        "AccessKeyId": key,
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": "2026-01-01T13:00:00Z",
    }
    return credentials, "prod/Admin", region


@BATCHES
@given(
    st.lists(
        st.builds(
            aws_like,
            key=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16, max_size=20),
            secret=st.one_of(secrets(AWS_CHARS), secrets(PRINTABLE)),
            token=st.one_of(secrets(AWS_CHARS), secrets(PRINTABLE)),
            region=st.sampled_from(["eu-west-1", "us-east-1", None]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_export_format_round_trips(batch):
    results = round_trips(batch)
    for fmt, given_, back in results:
        assert_carried(fmt, given_, back)
    shells = {
        "env in bash",
        "env in dash",
        "env in zsh",
        "dotenv in bash",
        "dotenv in dash",
        "dotenv in zsh",
        "fish in fish",
    }
    assert {fmt for fmt, _, _ in results} >= shells | {"json"}  # every item that INI cannot hold is refused


@FEW
@given(st.text(max_size=40))
def test_cache_file_names_are_urllib_quoting_or_hashed_when_long(key):
    from urllib.parse import quote

    from rolecall.core.store.layout import MAX_NAME, entry_file_name

    quoted = quote(key, safe="")
    name = entry_file_name(key)
    if len(quoted) <= MAX_NAME:
        assert name == quoted + ".json"
    else:
        assert len(name) <= MAX_NAME + len(".json") and quoted.startswith(name[: name.rindex("-")])


ANY_TEXT = st.text(max_size=60)
NAMES_INI_ALLOWS = st.text(min_size=1, max_size=30).filter(
    lambda n: n == n.strip() and not any(c in n for c in "[]\r\n\0")
)


def any_text(key, secret, token, region, profile):
    return (
        {"AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token, "Expiration": "2026-01-01T13:00:00Z"},
        profile,
        region,
    )


@BATCHES
# zsh expands an unquoted `=` at a word's start or after a `:` in an assignment (EQUALS)
@example([any_text(key=":=0", secret="=ls", token="a:=b", region=None, profile="p")])
@given(
    st.lists(
        st.builds(
            any_text,
            key=ANY_TEXT,
            secret=ANY_TEXT,
            token=ANY_TEXT,
            region=st.one_of(st.none(), ANY_TEXT),
            profile=ANY_TEXT,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_format_carries_any_text_as_data_or_refuses_it(batch):
    for fmt, given_, back in round_trips(batch):
        assert_carried(fmt, given_, back)


@FEW
@given(
    profile=NAMES_INI_ALLOWS,
    secret=st.text(max_size=40).filter(lambda v: "\n" not in v and "\r" not in v and v == v.strip() and "\0" not in v),
)
def test_the_credentials_format_takes_every_value_it_can_hold(profile, secret):
    credentials = {"AccessKeyId": "ASIAX", "SecretAccessKey": secret, "SessionToken": "t", "Expiration": None}
    text = formats.render_credentials("credentials", credentials, profile, "eu-west-1")
    with tempfile.TemporaryDirectory() as folder:
        (back,) = read_back("credentials", text, Path(folder), profile)
    assert back["AWS_SECRET_ACCESS_KEY"] == secret


@given(
    when=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    form=st.sampled_from(
        ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S+00:00", "%Y-%m-%d %H:%M:%S.%f+00:00"]
    ),
)
def test_the_fast_paths_expiry_reading_agrees_with_datetime(when, form):
    """The fast path reads an expiry with arithmetic (no datetime import): the same instant as datetime reads."""
    text = when.strftime(form)
    expected = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    assert layout.expiration_epoch(text) == pytest.approx(expected, abs=1e-6)


@given(st.text(max_size=40))
def test_an_expiry_the_arithmetic_cannot_read_goes_to_datetime_or_is_refused(text):
    try:
        expected: float | None = layout.parse_time(text).timestamp()
    except ValueError:
        expected = None
    found = layout.expiration_epoch(text)
    assert (found is None) == (expected is None)
    if found is not None:
        assert found == pytest.approx(expected, abs=1e-6)


@given(st.binary(max_size=200))
def test_the_cache_layouts_sha256_is_hashlibs(data):
    assert layout.sha256_hex(data) == hashlib.sha256(data).hexdigest()
