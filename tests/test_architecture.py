"""The walls of the runtime package, as `.importlinter` states them, checked by import-linter.

Run from the repository root so both root packages (gikportal, tools) are importable.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(config):
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--config", str(config),
                           "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True)


def test_import_contracts_hold():
    run = lint_imports(ROOT / ".importlinter")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_a_stray_engine_import_breaks_the_contract(tmp_path):
    """The contract really sees the graph: the same file with the web layer allowed to import
    whoosh directly must fail, naming the offending import (this is what a regression looks like)."""
    text = (ROOT / ".importlinter").read_text(encoding="utf-8")
    narrowed = text.replace("allowed_importers =\n    gikportal.whoosh_store\n    tools.bench",
                            "allowed_importers =\n    tools.bench")
    assert narrowed != text
    (tmp_path / ".importlinter").write_text(narrowed, encoding="utf-8")
    run = lint_imports(tmp_path / ".importlinter")
    assert run.returncode != 0
    assert "BROKEN" in run.stdout and "whoosh" in run.stdout


def test_runtime_package_holds_no_tools():
    """The generator, benchmark, load test and PostgreSQL test server live in tools/."""
    package = ROOT / "gikportal"
    for name in ("generate", "bench", "loadtest", "pgserver"):
        assert not (package / f"{name}.py").exists()
        assert (ROOT / "tools" / f"{name}.py").exists()
