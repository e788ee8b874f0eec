"""AWS saying no, and the network failing: real error bodies from a local endpoint, one clear line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rolecall.core.domain.errors import AwsError, InvalidMfaCode
from rolecall.core.engine import Engine
from rolecall.core.gateways import mfa
from rolecall.core.sources.index import load_catalog
from tests.conftest import seed_sessions
from tests.sts_proxy import (
    ACCESS_DENIED,
    EXPIRED_TOKEN,
    INVALID_MFA,
    REQUEST_EXPIRED,
    THROTTLING,
    Hanging,
)


def one_line_error(result, code: int) -> str:
    assert result.code == code, (result.code, result.err)
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len([line for line in lines if not line.startswith("  hint:")]) == 1, lines
    return lines[0]


class Codes:
    """An MFA code source that counts how often a code was asked for."""

    retry_on_invalid = True

    def __init__(self):
        self.asked = 0

    def __call__(self, profile) -> str:
        self.asked += 1
        return "123456"


def test_access_denied_is_exit_1_with_aws_words(cli, sts_proxy):
    sts_proxy.fail("AssumeRole", ACCESS_DENIED)
    line = one_line_error(cli("assume", "prod/ReadOnly"), 1)
    assert line.startswith(
        "rolecall: AWS refused AssumeRole for arn:aws:iam::222222222222:role/ReadOnly: AccessDenied:"
    )
    assert "is not authorized to perform: sts:AssumeRole" in line


def test_invalid_mfa_code_says_so(cli, sts_proxy):
    sts_proxy.fail("GetSessionToken", INVALID_MFA)
    line = one_line_error(cli("assume", "prod/Admin", "--mfa-code", "000000"), 1)
    assert (
        line
        == "rolecall: AWS rejected the MFA code: MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
    assert cli("sessions", "--json").json() == []  # nothing cached from a failed attempt


def test_a_rejected_code_is_asked_again_when_the_source_can(sandbox, sts_proxy, fake_clock):
    sts_proxy.fail("GetSessionToken", INVALID_MFA)
    codes = Codes()
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    engine.assume("prod/Admin", codes)
    assert codes.asked == 2


def test_a_fixed_code_that_is_rejected_is_not_retried(sandbox, sts_proxy, fake_clock):
    sts_proxy.fail("GetSessionToken", INVALID_MFA)
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    with pytest.raises(InvalidMfaCode):
        engine.assume("prod/Admin", mfa.given("123456"))
    assert sts_proxy.calls["GetSessionToken"] == 1


def test_expired_mfa_session_asks_for_a_code_once_more(sandbox, sts_proxy, fake_clock):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    codes = Codes()
    engine.assume("prod/Admin", codes)
    sts_proxy.fail("AssumeRole", EXPIRED_TOKEN)  # the MFA session was revoked early
    session = engine.assume("staging/Admin", codes)
    assert session.role_arn.endswith(":role/Admin")
    assert codes.asked == 2
    assert sts_proxy.calls["GetSessionToken"] == 2


def test_expired_token_on_a_cached_parent_refreshes_the_chain(sandbox, sts_proxy, fake_clock):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    engine.assume("shared/Hub", mfa.given("123456"))
    sts_proxy.fail("AssumeRole", EXPIRED_TOKEN)  # Deploy's hop with Hub's (revoked) credentials
    engine.assume("shared/Deploy", mfa.given("123456"))
    # Hub once at first, Deploy refused, Hub again, Deploy again
    assert sts_proxy.calls["AssumeRole"] == 4


def test_expired_token_on_a_cached_session_is_refreshed_by_the_cli(cli, sts_proxy):
    seed_sessions({"prod/ReadOnly": -60})  # the cache says expired: the CLI assumes again
    result = cli("process", "prod/ReadOnly")
    assert result.code == 0, result.err
    assert sts_proxy.calls["AssumeRole"] == 1
    assert not result.json()["AccessKeyId"].startswith("ASIASEEDED")


def test_throttling_is_retried_then_reported(cli, sts_proxy):
    sts_proxy.fail_always("AssumeRole", THROTTLING)
    line = one_line_error(cli("assume", "prod/ReadOnly"), 1)
    assert line.startswith("rolecall: AWS is throttling STS (AssumeRole for arn:aws:iam::222222222222:role/ReadOnly)")
    assert sts_proxy.calls["AssumeRole"] == 3  # botocore's standard retry mode: three attempts


def test_throttling_that_clears_is_invisible(cli, sts_proxy):
    sts_proxy.fail("AssumeRole", THROTTLING, times=2)
    result = cli("assume", "prod/ReadOnly")
    assert result.code == 0, result.err
    assert sts_proxy.calls["AssumeRole"] == 3


def test_request_expired_points_at_the_clock(cli, sts_proxy):
    sts_proxy.fail_always("AssumeRole", REQUEST_EXPIRED)
    line = one_line_error(cli("assume", "prod/ReadOnly"), 1)
    assert "check this machine's clock" in line


def test_unreachable_endpoint_is_a_clear_message(cli):
    line = one_line_error(cli("assume", "prod/ReadOnly", env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}), 1)
    assert line == "rolecall: cannot reach STS at http://127.0.0.1:9: check the network (or AWS_ENDPOINT_URL_STS)"


def test_hanging_endpoint_times_out_with_a_clear_message(cli):
    hanging = Hanging()
    try:
        result = cli(
            "assume",
            "prod/ReadOnly",
            env={"AWS_ENDPOINT_URL_STS": hanging.url, "ROLECALL_STS_READ_TIMEOUT": "0.5", "ROLECALL_STS_ATTEMPTS": "1"},
        )
    finally:
        hanging.close()
    line = one_line_error(result, 1)
    assert line.startswith(f"rolecall: STS did not answer in time ({hanging.url})")


def test_bad_timeout_setting_is_a_config_error(cli):
    line = one_line_error(cli("assume", "prod/ReadOnly", env={"ROLECALL_STS_READ_TIMEOUT": "soon"}), 2)
    assert line == "rolecall: ROLECALL_STS_READ_TIMEOUT must be a number of seconds, not 'soon'"


def test_engine_errors_carry_aws_codes(sandbox, sts_proxy, fake_clock):
    sts_proxy.fail("AssumeRole", ACCESS_DENIED)
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    with pytest.raises(AwsError) as caught:
        engine.assume("prod/ReadOnly", mfa.given("123456"))
    assert caught.value.code == "AccessDenied"
    fake_clock.advance(timedelta(seconds=1))
    assert engine.assume("prod/ReadOnly", mfa.given("123456")).credentials.access_key_id


def test_a_refusal_message_reaches_the_error_made_visible(sandbox, sts_proxy, fake_clock):
    sts_proxy.fail("AssumeRole", (403, "AccessDenied", "denied to \u202egnp.exe"))
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    with pytest.raises(AwsError) as caught:
        engine.assume("prod/ReadOnly", mfa.given("123456"))
    assert "\u202e" not in caught.value.message
    assert caught.value.message.endswith("AccessDenied: denied to \\u202egnp.exe")
