"""The completion lines of the README work with the installed click."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"


@pytest.fixture
def on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has a `relance-cal` command, as an install leaves one."""
    command = tmp_path / "bin" / "relance-cal"
    command.parent.mkdir()
    command.write_text(
        f'#!/bin/sh\nPYTHONPATH="{SRC}" exec "{sys.executable}" -m relance_cal "$@"\n'
    )
    command.chmod(0o755)
    return {**os.environ, "PATH": f"{command.parent}:{os.environ['PATH']}"}


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")
def test_bash_completes_commands_and_options(on_path):
    script = (
        'eval "$(_RELANCE_CAL_COMPLETE=bash_source relance-cal)"\n'
        "COMP_WORDS=(relance-cal st); COMP_CWORD=1; _relance_cal_completion relance-cal\n"
        'echo "${COMPREPLY[@]}"\n'
        "COMPREPLY=(); COMP_WORDS=(relance-cal status --a); COMP_CWORD=2\n"
        "_relance_cal_completion relance-cal\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "-c", script], env=on_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["status", "--all"]


@pytest.mark.parametrize(
    ("shell", "defines"), [("zsh", "#compdef relance-cal"), ("fish", "complete")]
)
def test_zsh_and_fish_scripts_are_printed(on_path, shell, defines):
    done = subprocess.run(
        ["relance-cal"],
        env={**on_path, "_RELANCE_CAL_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert defines in done.stdout and "_RELANCE_CAL_COMPLETE" in done.stdout
