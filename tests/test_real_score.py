"""The parser on real reports read by hand (../shared/real): the score never falls below what was reached.

score.py runs `python -m gikportal parse` over every file in expected.jsonl and counts right fields;
its --min makes it exit 1 below the floor. Raise FLOOR when the parser gets better, never lower it.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real"
FLOOR = 0.98


def test_real_reports_score_at_least_the_floor():
    assert (REAL / "score.py").exists(), f"the real reports are expected beside the project: {REAL}"
    run = subprocess.run([sys.executable, str(REAL / "score.py"), "--min", str(FLOOR)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, f"below {FLOOR:.0%}: {last}\n{run.stdout[-3000:]}"
    assert last.startswith("real: ")
