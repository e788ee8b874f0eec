"""`rolecall console`: every URL it makes is taken apart with urllib.parse and compared whole,
against the local federation stand-in (the `federation` fixture) and the fake IAM Identity Center.
A fake browser (a script) records its arguments and the page it was handed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from rolecall.demo import FederationEndpoint
from tests.conftest import wait_for
from tests.console_fixtures import (  # noqa: F401
    HOME,
    TOKEN,
    Page,
    base_fixture,
    expected_login,
    fake_browser_fixture,
    login_parts,
    nothing_happened,
    query,
)
from tests.sso_fixtures import START_URL, rolecall_sso, sso_fixture  # noqa: F401

# ------------------------------------------------------------------ destinations


def test_without_a_destination_it_lands_on_the_console_home_of_the_profile_region(cli, base, federation):
    result = cli("console", "prod/ReadOnly", "--print")
    assert result.code == 0, result.err
    assert login_parts(result.out.strip(), base) == expected_login(HOME)


def test_service_lands_on_that_service_in_the_profile_region(cli, base):
    result = cli("console", "prod/ReadOnly", "--service", "s3", "--print")
    assert result.code == 0, result.err
    assert login_parts(result.out.strip(), base) == expected_login(
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )


def test_region_moves_the_console_not_the_profile(cli, base):
    result = cli("console", "prod/ReadOnly", "-s", "EC2", "--region", "us-east-2", "--print")
    assert result.code == 0, result.err
    assert login_parts(result.out.strip(), base) == expected_login(
        "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2"
    )


@pytest.mark.parametrize(
    ("region", "home", "federation"),
    [
        (
            "cn-north-1",
            "https://console.amazonaws.cn/console/home?region=cn-north-1",
            "https://signin.amazonaws.cn/federation",
        ),
        (
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
            "https://signin.amazonaws-us-gov.com/federation",
        ),
        (
            "ap-southeast-2",
            "https://ap-southeast-2.console.aws.amazon.com/console/home?region=ap-southeast-2",
            "https://ap-southeast-2.signin.aws.amazon.com/federation",
        ),
    ],
)
def test_each_partition_has_its_own_console_and_sign_in_endpoint(monkeypatch, region, home, federation):
    from rolecall.core.gateways import console

    monkeypatch.delenv("ROLECALL_FEDERATION_URL", raising=False)
    assert console.destination_url(region) == home
    assert console.federation_url(region) == federation


def test_a_region_of_another_partition_is_refused_before_anything(cli, federation):
    result = cli("console", "prod/ReadOnly", "--region", "cn-north-1", "--print")
    assert result.code == 2
    assert result.err.splitlines() == [
        "rolecall: cn-north-1 is in another partition (aws-cn) than prod/ReadOnly (aws): "
        "its credentials cannot sign in to that console"
    ]
    nothing_happened(cli, federation)


@pytest.mark.parametrize(
    ("given", "destination"),
    [
        (
            "/cloudwatch/home?region=eu-west-1#logsV2:log-groups",
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups",
        ),
        (
            "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
            "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
        ),
        # a URL copied from a multi-session tab names that tab's identity: the login picks its own
        (
            "https://123456789012-abcd1234.us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions",
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions",
        ),
        ("https://console.amazonaws-us-gov.com/iam/home", "https://console.amazonaws-us-gov.com/iam/home"),
    ],
)
def test_destination_path_or_console_url(cli, base, given, destination):
    result = cli("console", "prod/ReadOnly", "--destination", given, "--print")
    assert result.code == 0, result.err
    assert login_parts(result.out.strip(), base) == expected_login(destination)


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example.com/s3/home",
        "https://console.aws.amazon.com.evil.example/",
        "https://evil.example/?next=https://console.aws.amazon.com/",
        "http://eu-west-1.console.aws.amazon.com/s3/home",
        "https://user@console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "//evil.example/s3",
        "javascript:alert(1)",
        "s3/home",
        "/s3/home two words",
        "/s3\x1b[31m",
    ],
)
def test_a_destination_off_the_console_is_one_line_and_nothing_happens(cli, federation, fake_browser, given):
    browser = fake_browser()
    result = cli("console", "prod/ReadOnly", "--destination", given, "--browser", str(browser.path))
    assert result.code == 2
    assert result.out == "" and "Traceback" not in result.err
    lines = result.err.splitlines()
    assert (
        lines[0].startswith("rolecall: the destination ") and len([line for line in lines if "hint" not in line]) == 1
    )
    assert "\x1b" not in result.err
    nothing_happened(cli, federation, browser)


@pytest.mark.parametrize("given", ["s3/../iam", "s3 buckets", "-", "x" * 51, "s3?x=1", "élan"])
def test_a_service_that_is_not_a_plain_name_is_one_line_exit_2(cli, federation, given):
    result = cli("console", "prod/ReadOnly", f"--service={given}", "--print")
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        f"rolecall: {given!r} is not a console service name (a plain name like s3, ec2 or cloudwatch)"
    ]
    nothing_happened(cli, federation)


def test_service_and_destination_together_are_a_usage_error(cli, federation):
    result = cli("console", "prod/ReadOnly", "-s", "s3", "-d", "/iam/home", "--print")
    assert result.code == 2
    assert "not allowed with argument" in result.err
    nothing_happened(cli, federation)


# ------------------------------------------------------------------ sessions: logout first, containers


def test_logout_first_is_one_chain_from_sign_out_to_the_login(cli, base):
    result = cli("console", "prod/ReadOnly", "-s", "iam", "--logout-first", "--print")
    assert result.code == 0, result.err
    outer = urlsplit(result.out.strip())
    assert f"{outer.scheme}://{outer.netloc}{outer.path}" == base.replace("/federation", "/oauth")
    assert query(result.out.strip()) == {"Action": ["logout"], "redirect_uri": [outer_redirect(result.out)]}
    assert login_parts(outer_redirect(result.out), base) == expected_login(
        "https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1"
    )


def outer_redirect(url: str) -> str:
    return query(url.strip())["redirect_uri"][0]


def test_logout_first_setting_and_its_override(cli, base, sandbox):
    on = {"ROLECALL_CONSOLE_LOGOUT_FIRST": "1"}
    assert query(cli("console", "prod/ReadOnly", "--print", env=on).out.strip())["Action"] == ["logout"]
    assert query(cli("console", "prod/ReadOnly", "--print", "--no-logout-first", env=on).out.strip())["Action"] == [
        "login"
    ]
    settings = sandbox.home / ".config" / "rolecall" / "settings.yaml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("console_logout_first: true\n", encoding="utf-8")
    assert query(cli("console", "prod/ReadOnly", "--print").out.strip())["Action"] == ["logout"]


def test_without_logout_first_the_login_is_plain_for_multi_session(cli, base):
    """The default: the login goes straight to the sign-in endpoint, which adds the identity beside
    the others when the browser has the console's multi-session mode on."""
    url = cli("console", "prod/ReadOnly", "--print").out.strip()
    assert urlsplit(url).path == "/federation" and query(url)["Action"] == ["login"]


def test_container_is_an_ext_container_link_named_after_the_profile(cli, base):
    result = cli("console", "prod/ReadOnly", "-s", "s3", "--container", "--print")
    assert result.code == 0, result.err
    link = result.out.strip()
    assert link.startswith("ext+container:")
    fields = parse_qs(link.removeprefix("ext+container:"), strict_parsing=True)
    assert fields["name"] == ["prod/ReadOnly"]
    assert login_parts(fields["url"][0], base) == expected_login(
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )


# ------------------------------------------------------------------ the browser


def test_the_browser_gets_a_private_page_never_the_token(cli, base, federation, fake_browser):
    browser = fake_browser()
    result = cli("console", "prod/ReadOnly", "-s", "lambda", "--browser", f"{browser.path} --new-window %s")
    assert result.code == 0, result.err
    assert result.err == "rolecall: opened the AWS console for prod/ReadOnly on lambda\n"
    assert result.out == ""
    [run] = browser.runs()
    assert run["argv"][0] == "--new-window" and len(run["argv"]) == 2
    assert run["argv"][1].startswith("file://") and TOKEN not in json.dumps(run["argv"])
    assert (run["mode"], run["dir_mode"]) == (0o600, 0o700)
    page = Page(run["page"])
    assert page.refresh == page.script == page.link
    assert login_parts(page.refresh, base) == expected_login(
        "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1"
    )
    # the credentials went in a POST body: no request line (what proxies and logs keep) held them
    assert FederationEndpoint.paths == ["/federation"]
    assert json.loads(federation[0]["Session"][0])["sessionId"].startswith("ASIA")


def test_the_page_is_removed_after_its_time(cli, base, fake_browser):
    browser = fake_browser()
    result = cli(
        "console", "prod/ReadOnly", "--browser", str(browser.path), env={"ROLECALL_CONSOLE_PAGE_SECONDS": "0.3"}
    )
    assert result.code == 0, result.err
    page = Path(browser.runs()[0]["path"])
    wait_for(lambda: not page.exists())
    assert list(page.parent.iterdir()) == []


def test_browser_variable_is_honoured_first_existing_entry(cli, base, fake_browser):
    browser = fake_browser()
    result = cli(
        "console", "prod/ReadOnly", env={"BROWSER": os.pathsep.join(["no-such-browser-here", f"{browser.path} %s"])}
    )
    assert result.code == 0, result.err
    assert len(browser.runs()) == 1


def test_browser_setting_beats_the_variable_and_the_flag_beats_both(cli, base, fake_browser):
    setting, variable, flag = fake_browser("setting"), fake_browser("variable"), fake_browser("flag")
    env = {"ROLECALL_BROWSER": str(setting.path), "BROWSER": str(variable.path)}
    assert cli("console", "prod/ReadOnly", env=env).code == 0
    assert cli("console", "prod/ReadOnly", "--browser", str(flag.path), env=env).code == 0
    assert (len(setting.runs()), len(variable.runs()), len(flag.runs())) == (1, 0, 1)


def test_a_missing_browser_is_one_line_before_anything_is_minted(cli, federation):
    result = cli("console", "prod/ReadOnly", "--browser", "no-such-browser-here --new-window")
    assert result.code == 2
    assert (
        result.err.splitlines()[0]
        == "rolecall: the browser command 'no-such-browser-here' (--browser) is not installed or not on PATH"
    )
    nothing_happened(cli, federation)


def test_a_failing_browser_is_one_line_exit_1_and_leaves_no_page(cli, base, fake_browser, sandbox):
    browser = fake_browser("broken", code=3)
    result = cli("console", "prod/ReadOnly", "--browser", str(browser.path))
    assert result.code == 1
    assert result.err.splitlines()[0] == f"rolecall: the browser command {str(browser.path)!r} failed (exit 3)"
    assert "opened" not in result.err and result.out == ""
    assert list((sandbox.cache / "console").iterdir()) == []


def test_no_browser_at_all_is_one_line_and_nothing_is_printed(cli, base, tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    result = cli(
        "console", "prod/ReadOnly", env={"PATH": str(empty), "BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    )
    assert result.code == 2
    assert result.err.splitlines()[0] == "rolecall: no browser found to open the console"
    assert result.out == ""


def test_container_opens_firefox_with_the_link_inside_the_page(cli, base, fake_browser, monkeypatch):
    firefox = fake_browser("firefox")
    monkeypatch.setenv("PATH", f"{firefox.path.parent}{os.pathsep}{os.environ['PATH']}")
    result = cli("console", "prod/ReadOnly", "--container")
    assert result.code == 0, result.err
    [run] = firefox.runs()
    assert TOKEN not in json.dumps(run["argv"])
    link = Page(run["page"]).refresh
    fields = parse_qs(link.removeprefix("ext+container:"), strict_parsing=True)
    assert fields["name"] == ["prod/ReadOnly"] and login_parts(fields["url"][0], base) == expected_login(HOME)


def test_chromium_profile_per_account_and_per_role(cli, base, sandbox, fake_browser, monkeypatch, tmp_path):
    chromium = fake_browser("chromium")
    monkeypatch.setenv("PATH", f"{chromium.path.parent}{os.pathsep}{os.environ['PATH']}")
    own = tmp_path / "browsers" / "prod-admin"
    sandbox.write_profiles(f"""\
        version: 1
        defaults: {{region: eu-west-1, source_profile: corp}}
        accounts:
          - id: "222222222222"
            name: prod
            chromium_profile: Profile 2
            roles:
              - role: ReadOnly
              - role: Admin
                chromium_profile: {own}
        """)
    assert cli("console", "prod/ReadOnly").code == 0
    assert cli("console", "prod/Admin").code == 0
    first, second = chromium.runs()
    assert first["argv"][0] == "--profile-directory=Profile 2" and first["argv"][1].startswith("file://")
    assert second["argv"][0] == f"--user-data-dir={own}"
    assert stat.S_IMODE(own.stat().st_mode) == 0o700


def test_chromium_profile_is_not_given_to_a_browser_that_is_not_chromium(cli, base, sandbox, fake_browser):
    browser = fake_browser()
    sandbox.write_profiles("""\
        version: 1
        defaults: {region: eu-west-1, source_profile: corp, chromium_profile: Work}
        accounts:
          - id: "222222222222"
            name: prod
            roles: [{role: ReadOnly}]
        """)
    assert cli("console", "prod/ReadOnly", "--browser", str(browser.path)).code == 0
    assert [arg.split("=")[0] for arg in browser.runs()[0]["argv"] if arg.startswith("--")] == []


# ------------------------------------------------------------------ sessions that cannot sign in


def test_long_lived_keys_only_say_to_use_a_role_or_a_federation_token(cli, federation):
    result = cli("console", "corp", "--print")
    assert result.code == 2
    assert result.err.splitlines() == [
        "rolecall: corp has long-lived keys only, and the console refuses a session made from them",
        "  hint: use a role (via:) or a federated user (GetFederationToken) for the console",
    ]
    nothing_happened(cli, federation)


def test_unknown_profile_is_one_line(cli, federation):
    result = cli("console", "prod/Nope", "--print")
    assert result.code == 2
    assert result.err.splitlines()[0] == "rolecall: unknown profile 'prod/Nope'"
    assert federation == []


def test_the_federation_endpoint_down_is_one_line_and_nothing_opened(cli, fake_browser):
    browser = fake_browser()
    result = cli(
        "console",
        "prod/ReadOnly",
        "--browser",
        str(browser.path),
        env={"ROLECALL_FEDERATION_URL": "http://127.0.0.1:9/federation"},
    )
    assert result.code == 1
    assert result.err.startswith("rolecall: cannot reach the AWS sign-in endpoint: ")
    assert len(result.err.splitlines()) == 1 and result.out == ""
    assert browser.runs() == []


# ------------------------------------------------------------------ IAM Identity Center


def test_an_sso_profile_goes_through_the_portal_shortcut_with_no_credentials(sso, cli, federation, fake_browser):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    browser = fake_browser()
    result = cli(
        "console", "account-0001/ReadOnly", "-s", "s3", "--region", "us-west-2", "--browser", str(browser.path)
    )
    assert result.code == 0, result.err
    [run] = browser.runs()
    [url] = run["argv"]  # no secret in it: given as it is, no page
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == START_URL + "/"
    route, _, fragment_query = parts.fragment.partition("?")
    assert route == "/console"
    assert parse_qs(fragment_query, strict_parsing=True) == {
        "account_id": ["100000000001"],
        "role_name": ["ReadOnly"],
        "destination": ["https://us-west-2.console.aws.amazon.com/s3/home?region=us-west-2"],
    }
    assert sso.count("GetRoleCredentials") == 0 and federation == []


def test_an_sso_profile_printed_with_logout_first_and_a_container(sso, cli, base):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    result = cli("console", "account-0002/ReadOnly", "--logout-first", "--container", "--print")
    assert result.code == 0, result.err
    fields = parse_qs(result.out.strip().removeprefix("ext+container:"), strict_parsing=True)
    assert fields["name"] == ["account-0002/ReadOnly"]
    assert query(fields["url"][0])["Action"] == ["logout"]
    portal = urlsplit(query(fields["url"][0])["redirect_uri"][0])
    assert (portal.netloc, portal.path) == (urlsplit(START_URL).netloc, urlsplit(START_URL).path + "/")
    assert parse_qs(portal.fragment.removeprefix("/console?"), strict_parsing=True) == {
        "account_id": ["100000000002"],
        "role_name": ["ReadOnly"],
        "destination": ["https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"],
    }
    assert sso.count("GetRoleCredentials") == 0


def test_a_chromium_profile_that_is_not_text_is_a_check_problem_with_its_line(cli, sandbox):
    sandbox.write_profiles("""\
        version: 1
        defaults: {region: eu-west-1, source_profile: corp}
        accounts:
          - id: "222222222222"
            name: prod
            chromium_profile: [Profile 2]
            roles: [{role: ReadOnly}]
        """)
    result = cli("check")
    assert result.code == 2
    assert result.out.splitlines() == [f"{sandbox.profiles}:6: account prod: chromium_profile must be text"]


def test_a_page_left_behind_is_swept_by_the_next_open(cli, base, fake_browser, sandbox):
    """A remover that never ran (a reboot, a kill): the next console open removes the old page."""
    pages = sandbox.cache / "console"
    pages.mkdir(parents=True, mode=0o700)
    left = pages / "signin-left-behind.html"
    left.write_text("<p>old</p>", encoding="utf-8")
    os.utime(left, (1_000_000_000, 1_000_000_000))
    browser = fake_browser()
    assert cli("console", "prod/ReadOnly", "--browser", str(browser.path)).code == 0
    assert not left.exists()
    assert Path(browser.runs()[0]["path"]).parent == pages


@pytest.mark.parametrize(
    "url",
    [
        "https://signin.example.com/federation",
        "http://127.0.0.1:8080/federation",
        "http://localhost/f",
        "http://[::1]:9000/f",
    ],
)
def test_federation_url_accepts_https_and_loopback_http(monkeypatch, url):
    from rolecall.core.gateways import console

    monkeypatch.setenv("ROLECALL_FEDERATION_URL", url)
    assert console.federation_url() == url


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/federation",
        "http://127.0.0.1.evil.example/f",
        "ftp://x/",
        "file:///etc/passwd",
        "https://user:pw@host/f",
        "https:///nohost",
        "signin",
    ],
)
def test_federation_url_refuses_anything_else(cli, sandbox, url):
    assert cli("assume", "prod/ReadOnly").code == 0
    result = cli("console", "prod/ReadOnly", "--print", env={"ROLECALL_FEDERATION_URL": url})
    assert result.code == 2
    assert result.err.startswith("rolecall: ROLECALL_FEDERATION_URL ") and "Traceback" not in result.err
    assert result.out == ""
