"""The chat's safe defaults: upload names sanitised, uploads limited by type and size, the
login parsed without ever showing a password, no share links offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ui.safety import AuthError, check_upload, parse_auth, sanitize_filename


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/10-K 2024.html", "10-K 2024.html"),
        (".bashrc", "bashrc"),
        ("..", "upload"),
        ("", "upload"),
        ("a<b>|c:d?.md", "a_b_c_d.md"),
        ("résumé 年报.txt", "résumé 年报.txt"),
        ("a\x00b.txt", "a_b.txt"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe
    assert len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")


def test_check_upload_type_and_size() -> None:
    assert check_upload("a.md", 10, 100) is None
    assert check_upload("A.PDF", 10, 100) is None
    refused = check_upload("tool.exe", 10, 100)
    assert refused is not None and ".exe is not supported" in refused
    too_big = check_upload("big.pdf", 3 * 2**20, 2**20)
    assert too_big is not None and "over the 1 MB upload limit" in too_big


def test_parse_auth_inline_and_file(tmp_path: Path) -> None:
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("alice:s3cr:et") == [("alice", "s3cr:et")]
    users = tmp_path / "users.txt"
    users.write_text("# analysts\nalice:one\n\n bob:two\n")
    assert parse_auth(str(users)) == [("alice", "one"), ("bob", "two")]


@pytest.mark.parametrize("value", ["alice", "alice:", ":secret", "/no/such/file"])
def test_parse_auth_errors_never_show_password(value: str) -> None:
    with pytest.raises(AuthError) as info:
        parse_auth(value)
    assert "secret" not in str(info.value)


def test_parse_auth_file_with_bad_line(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("alice:one\nbob\n")
    with pytest.raises(AuthError, match="line 2"):
        parse_auth(str(users))


def test_chat_command_is_offered_without_share() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["chat", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output and "--share" not in result.output

