"""The CLI tests' index, built through the CLI itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsearch.cli import main


@pytest.fixture(scope="session")
def built(tmp_path_factory, sample_dir) -> Path:
    """An index of the sample built through the CLI."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("cli") / "index"
    result = CliRunner().invoke(main, ["index", str(sample_dir), "--index", str(folder),
                                       "--id-root", str(sample_dir)])
    assert result.exit_code == 0, result.output
    return folder
