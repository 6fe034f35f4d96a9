"""Output paths: checked before work, written atomically through symlinks, never replacing a non-regular file."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.outputs import atomic_write, check_output, check_output_dir, csv_appender, write_csv

DF = pd.DataFrame({"model": ["a"], "x": [1.5]})


def test_write_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_csv(DF, link)
    assert link.is_symlink() and target.read_text().startswith("model,x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


@pytest.mark.parametrize("make", ["dir", "fifo"])
def test_non_regular_targets_are_refused(tmp_path, make):
    out = tmp_path / "out"
    out.mkdir() if make == "dir" else os.mkfifo(out)
    with pytest.raises(DataError, match="cannot write the output to .*: it is (a directory|not a regular file)"):
        check_output(out, flag="--output")
    with pytest.raises(DataError):
        write_csv(DF, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_device_is_refused():
    with pytest.raises(DataError, match="not a regular file"):
        check_output("/dev/null", flag="--output")


def test_checks_create_nothing_and_name_the_flag(tmp_path):
    assert check_output(tmp_path / "new" / "deeper" / "out.csv") is not None
    assert check_output_dir(tmp_path / "new" / "reports") is not None
    assert list(tmp_path.iterdir()) == []  # the folders are made only when the output is written
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match=r"option --output: cannot (write|use) .*(is n|N)ot a directory"):
        check_output(blocker / "out.csv", flag="--output")
    with pytest.raises(DataError, match="exists and is not a directory"):
        check_output_dir(blocker, flag="--out")
    with pytest.raises(DataError, match="the output path is empty"):
        check_output("", flag="--output")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    with pytest.raises(DataError, match="Permission denied"):
        check_output(ro / "out.csv")


def test_failed_writes_leave_nothing(tmp_path):
    def boom(tmp):
        tmp.write_text("partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "a.txt", boom)
    with pytest.raises(KeyboardInterrupt), csv_appender(tmp_path / "b.csv") as append:
        append(DF)
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_dash_is_standard_output(tmp_path, capsys):
    write_csv(DF, "-")
    with csv_appender("-") as append:
        append(DF)
    assert capsys.readouterr().out == "model,x\na,1.5000\n" * 2
    assert list(tmp_path.iterdir()) == []
