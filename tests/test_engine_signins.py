"""The engine's sign-in answers against the local IAM Identity Center: sync, re-sync time, the
sign-in session of a profile (also through a chain) and logout's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rolecall.core.domain.errors import ConfigError
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.sso import login as sso_login
from tests.sso_fixtures import CONFIG, CORP, sso_fixture  # noqa: F401

CHAINED = """\
[profile hub]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = AdministratorAccess
[profile spoke]
role_arn = arn:aws:iam::222222222222:role/Spoke
source_profile = hub
"""


def engine_now(fake_clock) -> Engine:
    return Engine(load_catalog(use_index=False), clock=fake_clock)


def signed_in(sso, fake_clock) -> None:
    sso.auto_approve = True
    sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)


def test_a_session_never_discovered_is_due_now_and_a_synced_one_a_day_later(sso, fake_clock):
    signed_in(sso, fake_clock)
    engine = engine_now(fake_clock)
    session = engine.sso_session("corp")
    assert engine.sso_resync_at(session) == fake_clock.now()
    synced = engine.sso_sync(session)
    assert (synced.accounts, synced.roles) == (3, 6)
    assert engine.sso_resync_at(session) == fake_clock.now() + timedelta(hours=24)


def test_a_profile_chained_from_an_sso_role_signs_in_with_that_session(sso, sandbox, fake_clock):
    sandbox.aws_config.write_text(CONFIG + CHAINED, encoding="utf-8")
    engine = engine_now(fake_clock)
    assert engine.sign_in_session("spoke").name == "corp"
    assert engine.sign_in_session("hub").name == "corp"
    assert engine.sign_in_session("prod/ReadOnly") is None
    assert ("sso session", "corp") in engine.source_facts("spoke")


def test_logout_forgets_the_role_sessions_of_that_sign_in_only(sso, sandbox, fake_clock):
    sandbox.aws_config.write_text(CONFIG + CHAINED, encoding="utf-8")
    signed_in(sso, fake_clock)
    engine = engine_now(fake_clock)
    engine.assume("hub", lambda profile: "")
    engine.assume("prod/ReadOnly", lambda profile: "")
    done = engine.sso_logout(engine.sso_session("corp"))
    assert (done.was_signed_in, done.forgotten) == (True, 1)
    assert engine.session("hub") is None and engine.session("prod/ReadOnly") is not None
    assert sso.count("Logout") == 1
    again = engine.sso_logout(engine.sso_session("corp"))
    assert (again.was_signed_in, again.forgotten) == (False, 0)


def test_a_broken_session_is_named_with_its_line_when_asked_for(sandbox, fake_clock):
    sandbox.aws_config.write_text("[sso-session corp]\nsso_region = eu-west-1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        engine_now(fake_clock).sso_session("corp")
    assert str(raised.value) == f"{sandbox.aws_config}:1: sso-session corp: sso_start_url is missing"
