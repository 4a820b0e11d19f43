"""Output files are written whole or not at all, and only over regular files."""

from __future__ import annotations

import os
import stat

import pytest

from infermod.errors import FatalError
from infermod.writefile import write_atomically


def leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.startswith(".infermod-")]


def test_replaces_a_file_with_the_mode_asked(tmp_path):
    path = tmp_path / "plan.bin"
    path.write_bytes(b"old and longer")
    write_atomically(str(path), b"new", "plan file", mode=0o600)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_makes_missing_directories_only_when_asked(tmp_path):
    path = tmp_path / "a" / "b" / "report.json"
    with pytest.raises(FatalError, match=r"report.json: cannot write the GitLab report: No such file"):
        write_atomically(str(path), b"{}", "GitLab report")
    write_atomically(str(path), b"{}", "GitLab report", make_dirs=True)
    assert path.read_bytes() == b"{}"


def test_a_fifo_or_directory_is_never_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FatalError, match="fifo: cannot write the plan file: not a regular file"):
        write_atomically(str(fifo), b"x", "plan file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(FatalError, match="not a regular file"):
        write_atomically(str(tmp_path), b"x", "plan file")
    assert leftovers(tmp_path) == []


def test_dev_null_is_refused_not_replaced():
    with pytest.raises(FatalError, match="/dev/null: cannot write the plan file: not a regular file"):
        write_atomically("/dev/null", b"x", "plan file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_a_message_and_the_old_file_stays(tmp_path):
    path = tmp_path / "plan.bin"
    path.write_bytes(b"old")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(FatalError, match=r"plan\.bin: cannot write the plan file: Permission denied"):
            write_atomically(str(path), b"new", "plan file")
    finally:
        tmp_path.chmod(0o700)
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_path_through_a_file_is_a_message(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FatalError, match="cannot write the plan file: Not a directory"):
        write_atomically(str(tmp_path / "file" / "plan.bin"), b"x", "plan file")


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--sandbox", "--out", "infermod.yaml"),  # `--out` typed for `-f`
        ("plan", "--sandbox", "-f", "conf", "--out", "conf/b.yaml"),  # a file of a -f directory
        ("validate", "--junit", "./infermod.yaml"),
        ("validate", "--codequality", "link.yaml"),  # a symlink to it
    ],
)
def test_no_output_replaces_a_configuration_file_being_read(cli, tmp_path, monkeypatch, args):
    from tests.conftest import write

    monkeypatch.chdir(tmp_path)
    config = "version: 1\nstack: s\ndeployments: {}\n"
    write(tmp_path / "infermod.yaml", config)
    write(tmp_path / "conf" / "a.yaml", config)
    write(tmp_path / "conf" / "b.yaml", "version: 1\n")
    (tmp_path / "link.yaml").symlink_to("infermod.yaml")
    result = cli(*args)
    assert result.code == 1 and "it is a configuration file this command reads" in result.err, result.err
    assert (tmp_path / "infermod.yaml").read_text() == config
    assert (tmp_path / "conf" / "b.yaml").read_text() == "version: 1\n"
    assert (tmp_path / "link.yaml").is_symlink()
