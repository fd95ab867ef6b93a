"""The dynamic-security file the project writes, checked against Mosquitto's own tools."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from broker import dynsec
from dispatch.broker_accounts import (
    BrokerAccountsError,
    BrokerAddress,
    DynsecAccounts,
    NoBrokerAccounts,
)


def test_password_hash_matches_mosquitto_ctrl(tmp_path: Path) -> None:
    path = tmp_path / "dynsec.json"
    subprocess.run(
        ["mosquitto_ctrl", "dynsec", "init", str(path), "admin", "s3cret-pass"],
        check=True,
        capture_output=True,
    )
    written = json.loads(path.read_text())["clients"][0]

    ours = dynsec.hash_password("s3cret-pass", base64.b64decode(written["salt"]))

    assert ours["password"] == written["password"]
    assert ours["iterations"] == written["iterations"]


def test_build_config_gives_each_device_its_own_role() -> None:
    config = dynsec.build_config(("adm", "a" * 20), ("gw", "g" * 20), {"btn-0001": "p" * 20})

    roles = {role["rolename"]: role for role in config["roles"]}
    client = next(c for c in config["clients"] if c["username"] == "btn-0001")
    topics = {(acl["acltype"], acl["topic"]) for acl in roles["dev-btn-0001"]["acls"]}

    assert client["roles"] == [{"rolename": "dev-btn-0001"}]
    assert ("publishClientSend", "ampera/v1/dev/btn-0001/event") in topics
    assert ("subscribePattern", "ampera/v1/dev/btn-0001/feedback") in topics
    assert not any("+" in topic or "#" in topic for _, topic in topics)
    assert config["defaultACLAccess"]["publishClientSend"] is False


def test_password_hashes_differ_by_salt() -> None:
    first = dynsec.hash_password("same")
    second = dynsec.hash_password("same")

    assert first["password"] != second["password"]
    expected = hashlib.pbkdf2_hmac(
        "sha512", b"same", base64.b64decode(first["salt"]), first["iterations"], 64
    )
    assert base64.b64decode(first["password"]) == expected


def test_config_file_is_private(tmp_path: Path) -> None:
    path = dynsec.write_config(tmp_path / "d.json", dynsec.build_config(("a", "b"), ("c", "d")))

    assert path.stat().st_mode & 0o077 == 0


def test_dynsec_cli_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text("{}")

    assert dynsec.main([str(path)]) == 1
    assert path.read_text() == "{}"


def test_no_broker_accounts_makes_strong_distinct_passwords() -> None:
    accounts = NoBrokerAccounts()

    passwords = {accounts.create_device("btn-0001") for _ in range(20)}

    assert len(passwords) == 20
    assert all(len(password) >= 32 for password in passwords)


def test_no_broker_accounts_rejects_bad_device_id() -> None:
    with pytest.raises(BrokerAccountsError, match="invalid device id"):
        NoBrokerAccounts().create_device("Bad/Id")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://a:b@127.0.0.1:1", "unsupported broker URL scheme"),
        ("mqtt://127.0.0.1:1883", "no user name or password"),
        ("mqtt://a:b@:1883", "no host"),
    ],
)
def test_admin_url_errors_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(BrokerAccountsError, match=message):
        DynsecAccounts(url)


def test_admin_url_decodes_password_and_ca() -> None:
    address = BrokerAddress.parse("mqtts://admin:p%40ss@broker.local?ca=/etc/ca.crt")

    assert (address.username, address.password) == ("admin", "p@ss")
    assert (address.host, address.port, address.tls) == ("broker.local", 8883, True)
    assert address.ca_file == "/etc/ca.crt"


def test_unreachable_broker_is_a_clear_error() -> None:
    from broker.server import free_port

    accounts = DynsecAccounts(f"mqtt://a:b@127.0.0.1:{free_port()}", timeout_s=2)

    with pytest.raises(BrokerAccountsError, match="cannot connect to the broker"):
        accounts.create_device("btn-0001")
