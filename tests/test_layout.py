"""Architecture rules that keep rolecall fast and the engine independent of the UI."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import rolecall.core
from rolecall.core.domain.profiles import Profile
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.store import layout, quick

ROLE = "arn:aws:iam::123456789012:role/B"


def _modules_after(code: str, env=None) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def _core_modules() -> list[str]:
    """Every module of rolecall.core, those of its packages included."""
    return [m.name for m in pkgutil.walk_packages(rolecall.core.__path__, "rolecall.core.")]


def test_core_never_imports_textual():
    names = _core_modules()
    assert {"rolecall.core.engine.assumer", "rolecall.core.sources.saml", "rolecall.core.sso.login"} <= set(names)
    loaded = _modules_after("\n".join(f"import {name}" for name in names))
    assert not any(m == "textual" or m.startswith("textual.") for m in loaded)


def test_importing_core_loads_no_aws_sdk():
    loaded = _modules_after("\n".join(f"import {name}" for name in _core_modules()))
    assert not {"boto3", "botocore"} & loaded


def _main_alone(args: list[str]) -> tuple[int, set[str], str]:
    """rolecall's main(args) in a fresh interpreter: its exit code, the modules it loaded, its stdout."""
    runner = (
        "import sys, json\n"
        "from rolecall.cli import main\n"
        f"code = main({args!r})\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), done.stdout


def _of(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


def test_cached_process_imports_neither_sdk_nor_ui_nor_yaml(cli):
    assert cli("assume", "prod/ReadOnly").code == 0
    code, modules, out = _main_alone(["process", "prod/ReadOnly"])
    assert (code, _of(modules, ("boto3", "botocore", "textual", "yaml"))) == (0, [])
    assert json.loads(out)["Version"] == 1


def test_cached_export_and_list_import_no_sdk(cli):
    assert cli("assume", "prod/ReadOnly").code == 0
    for args, shows in (
        (["export", "prod/ReadOnly"], "export AWS_ACCESS_KEY_ID=ASIA"),
        (["list", "--json"], '"prod/ReadOnly"'),
        (["sessions"], "prod/ReadOnly"),
    ):
        code, modules, out = _main_alone(args)
        assert (code, _of(modules, ("boto3", "botocore", "textual"))) == (0, []), args
        assert shows in out, (args, out)
        # nor another command's module (the parser builds the options of the command run only),
        # nor the portal's thread pool
        other_commands = {"rolecall.cli.populate", "rolecall.cli.keys", "rolecall.cli.sso", "rolecall.cli.run"}
        assert not modules & (other_commands | {"concurrent.futures"}), args


def test_cached_process_takes_the_quick_path(cli):
    assert cli("assume", "prod/ReadOnly").code == 0
    code, modules, _ = _main_alone(["process", "prod/ReadOnly"])
    slow = sorted({"argparse", "dataclasses", "platformdirs", "typing", "threading"} & modules)
    assert (code, slow) == (0, [])
    added = modules - _modules_after("")
    # json, zlib, CPython's own sha256 (not hashlib: OpenSSL) and rolecall's own light modules with
    # the empty __init__ of each core package they live in (domain, store, text): 22 today.
    assert not {"hashlib", "_hashlib", "datetime"} & modules
    assert len(added) <= 22, sorted(added)


def test_quick_path_never_serves_a_session_of_a_changed_role(cli, sandbox):
    first = cli("process", "prod/ReadOnly").json()
    sandbox.write_profiles(sandbox.profiles.read_text().replace('"222222222222"', '"999999999999"'))
    second = cli("process", "prod/ReadOnly")
    assert second.code == 0, second.err
    assert second.json()["AccessKeyId"] != first["AccessKeyId"]
    who = cli("whoami", "prod/ReadOnly").json()
    assert who["Account"] == "999999999999"


def test_quick_path_export_matches_the_engines_rendering(cli, sandbox):
    from rolecall.core.engine import Engine
    from rolecall.core.sources.index import load_catalog
    from rolecall.core.text import formats

    assert cli("assume", "prod/ReadOnly").code == 0
    session = Engine(load_catalog(use_index=False)).session("prod/ReadOnly")
    for fmt in formats.FORMATS:
        assert cli("export", "prod/ReadOnly", "--format", fmt).out == formats.render(fmt, session)


def test_xdg_directories_agree_with_platformdirs(sandbox, monkeypatch):
    import platformdirs

    from rolecall.core.store import paths

    for xdg in ("", "/custom"):
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            if xdg:
                monkeypatch.setenv(name, f"{xdg}/{name.lower()}")
            else:
                monkeypatch.delenv(name, raising=False)
        assert str(paths.config_dir()) == platformdirs.user_config_dir("rolecall", appauthor=False)
        assert str(paths.cache_dir()) == platformdirs.user_cache_dir("rolecall", appauthor=False)
        assert str(paths.state_dir()) == platformdirs.user_state_dir("rolecall", appauthor=False)


def test_the_profiles_index_is_reused_until_a_source_changes(cli, sandbox):
    runner = (
        "import sys\nfrom rolecall.cli import main\n"
        "main(['list', '--json'])\n"
        "print('yaml' in sys.modules, file=sys.stderr)\n"
    )

    def parsed_yaml() -> bool:
        done = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=60)
        return done.stderr.strip().splitlines()[-1] == "True"

    assert parsed_yaml()  # first run: parse and write the index
    assert not parsed_yaml()  # nothing changed: the index serves
    sandbox.write_profiles(sandbox.profiles.read_text() + "\n")
    assert parsed_yaml()  # the file changed: parsed again
    sandbox.aws_credentials.write_text(sandbox.aws_credentials.read_text() + "\n")
    assert parsed_yaml()  # so did another source
    assert not parsed_yaml()


def test_the_index_keeps_each_profile_without_its_defaults_and_gives_back_the_same_profile(sandbox):
    """Half the bytes on every cached `process`: an entry leaves out its default fields. The full
    path gets back each profile as parsed, and the fast path the same session fingerprint."""
    minimal = Profile(name="a/B", role_arn=ROLE, account_id="123456789012", account_name="a", role_name="B")
    as_json = json.loads(json.dumps(minimal.to_dict()))
    assert layout.index_entry(as_json) == {
        k: as_json[k] for k in ("name", "role_arn", "account_id", "account_name", "role_name")
    }
    assert layout.whole_entry(layout.index_entry(as_json)) == as_json  # the table is Profile's own defaults

    assert load_catalog().profiles  # parsed, and the index written
    parsed = load_catalog(use_index=False).profiles
    entries = json.loads(quick.index_file(None).read_text(encoding="utf-8"))["profiles"]
    assert len(entries) == len(parsed) > 5
    assert sum(len(entry) for entry in entries) < sum(len(p.to_dict()) for p in parsed.values()) / 2
    for entry in entries:
        profile = parsed[entry["name"]]
        assert Profile.from_dict(entry) == profile
        assert layout.fingerprint(layout.whole_entry(entry)) == layout.fingerprint(profile.to_dict())
    assert load_catalog().profiles == parsed  # read back from the index


def test_the_first_frame_reads_the_front_of_the_index_and_the_engine_the_whole(sandbox):
    """The app's first profiles come from the index's front, parsed alone: the same profiles,
    in the same order, as the whole index gives; a changed source or a damaged index gives no
    start (the sources are read instead)."""
    parsed = list(load_catalog().profiles.values())  # parsed, and the index written
    start = Engine.from_index()
    assert start is not None and len(parsed) > 5
    for count in (0, 1, 3, len(parsed), len(parsed) + 10):
        assert start.first(count) == parsed[:count]
    engine = start.engine()
    assert engine is not None and list(engine.catalog.profiles.values()) == parsed

    index = quick.index_file(None)
    text = index.read_text(encoding="utf-8")
    cut = text.index('"profiles":[') + len('"profiles":[') + 20
    index.write_text(text[:cut], encoding="utf-8")  # a write cut short: the front reads, the rest does not
    cut_short = Engine.from_index()
    assert cut_short is not None and cut_short.first(1) is None and cut_short.engine() is None
    key = json.dumps(json.loads(text)["key"], separators=(",", ":"))
    for foreign in (
        "[]",
        f'{{"key":{key},"watched":7,"profiles":[]}}',
        f'{{"key":{key},"watched":[[1]],"profiles":[]}}',
    ):
        index.write_text(foreign, encoding="utf-8")
        assert Engine.from_index() is None, foreign
    index.write_text(text, encoding="utf-8")
    sandbox.write_profiles(sandbox.profiles.read_text() + "\n")
    assert Engine.from_index() is None  # the profiles changed: the index is not current


def test_the_app_paints_before_botocore_is_imported(sandbox):
    probe = (
        "import asyncio, sys\n"
        "from rolecall.tui.app import make_app\n"
        "from rolecall.tui.widgets.accounts import AccountsTree\n"
        "async def main():\n"
        "    app = make_app(theme='rolecall-dark')\n"
        "    async with app.run_test() as pilot:\n"
        "        tree = app.query_one(AccountsTree)\n"
        "        while not tree.shown_accounts():\n"
        "            await asyncio.sleep(0.01)\n"
        "        await pilot.pause()\n"
        "        print(len(tree.shown_accounts()), sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore'}))\n"
        "asyncio.run(main())\n"
    )
    # As every day but the first: the profiles index is there (made by any earlier command).
    subprocess.run([sys.executable, "-m", "rolecall", "list"], capture_output=True, timeout=120, check=True)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "4 []", done.stderr  # 3 accounts and corp's keys
