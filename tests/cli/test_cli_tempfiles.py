"""A command leaves nothing in the temporary folder: files made there (PyTensor's numba sources) are removed."""

from __future__ import annotations

import argparse
import importlib
import tempfile

cli_main = importlib.import_module("bayes_perflaw.cli.main")  # the module (the package exports its main function)


def test_files_left_in_the_temporary_folder_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR, as a fresh process would
    made = []

    def command(args):
        with tempfile.NamedTemporaryFile(delete=False) as f:  # what PyTensor does for each numba function
            made.append(f.name)
        return 0

    def parser():
        p = argparse.ArgumentParser(prog="bayes-perflaw")
        sub = p.add_subparsers(dest="command", required=True)
        sub.add_parser("probe").set_defaults(func=command)
        return p

    monkeypatch.setattr(cli_main, "build_parser", parser)
    assert cli_main.main(["probe"]) == 0
    assert made and made[0].startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the file and its private folder are gone
    assert tempfile.gettempdir() == str(tmp_path)  # the default is restored
