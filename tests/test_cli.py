"""The `casestudy` command: sub-commands listed, unfinished ones say so honestly, errors are one line."""

import subprocess
import sys

import pytest

from casestudy.cli import build_parser, main

SUBCOMMANDS = ("data", "train", "evaluate", "check", "denoise", "app")


def test_help_lists_every_subcommand() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "casestudy.cli", "--help"], capture_output=True, text=True, check=True
    )
    for name in SUBCOMMANDS:
        assert f"    {name}" in completed.stdout


def test_unknown_profile_is_rejected_by_the_parser() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["data", "build", "--profile", "huge"])


def test_data_info_on_a_missing_folder_is_a_one_line_error(tmp_path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "info", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "nowhere" in err and "Traceback" not in err
