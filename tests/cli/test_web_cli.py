"""``vidi user add|passwd|list`` and ``vidi case member add``, and the demo's admin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidi import Workbench
from vidi.accounts import AccountPolicy, HashCosts, SignInRefused
from vidi.cli.main import app
from vidi.config import load_settings

CHEAP = AccountPolicy(hashing=HashCosts(time_cost=1, memory_kib=1024, parallelism=1))


def vidi(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_user_is_added_with_a_one_time_password_and_made_a_member(tmp_path: Path) -> None:
    home = tmp_path / "home"
    vidi(home, "case", "create", "op-wren")
    added = json.loads(vidi(home, "user", "add", "ines", "--role", "investigator", "--json"))
    assert added["user"]["must_change_password"] is True
    assert "one-time password" in vidi(home, "user", "add", "vic", "--role", "viewer")
    assert "may see case" in vidi(home, "case", "member", "add", "op-wren", "ines")
    assert "already a member" in vidi(home, "case", "member", "add", "op-wren", "ines")
    listed = json.loads(vidi(home, "user", "list", "--json"))
    assert [(u["name"], u["role"]) for u in listed] == [("ines", "investigator"), ("vic", "viewer")]
    with Workbench(load_settings(home, env={})) as bench:
        signed = bench.sign_in("ines", added["password"], "cli-test")
        assert signed.stage.value == "password"  # a new password is owed first


def test_passwd_replaces_the_password_and_ends_sessions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = json.loads(vidi(home, "user", "add", "ines", "--role", "admin", "--json"))
    with Workbench(load_settings(home, env={})) as bench:
        token = bench.sign_in("ines", first["password"], "cli-test").token
    second = json.loads(vidi(home, "user", "passwd", "ines", "--json"))
    with Workbench(load_settings(home, env={})) as bench:
        with pytest.raises(SignInRefused):
            bench.sign_in("ines", first["password"], "cli-test")
        assert bench.sign_in("ines", second["password"], "cli-test").token
        with pytest.raises(Exception, match="not signed in"):
            bench.identify(token)


def test_a_bad_role_or_name_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["--home", str(home), "user", "add", "x", "--role", "boss"])
    assert result.exit_code != 0 and "is not a role" in result.output
    result = CliRunner().invoke(
        app, ["--home", str(home), "user", "add", "a b", "--role", "viewer"]
    )
    assert result.exit_code != 0 and "is not a user name" in result.output


def test_the_demo_admin_gets_a_password_until_they_choose_one(tmp_path: Path) -> None:
    with Workbench(load_settings(tmp_path / "home", env={})) as bench:
        bench.account_policy = CHEAP
        bench.create_case("demo")
        first = bench.demo_admin("demo")
        assert first is not None and first.user.role.value == "admin"
        again = bench.demo_admin("demo")  # never signed in: a fresh one-time password
        assert again is not None and again.password != first.password
        signed = bench.sign_in("admin", again.password, "cli-test")
        bench.change_password(bench.identify(signed.token), again.password, "a chosen password")
        assert bench.demo_admin("demo") is None
        assert [
            c.name
            for c in bench.member_cases(
                bench.identify(bench.sign_in("admin", "a chosen password", "cli-test").token)
            )
        ] == ["demo"]
