"""Mutation testing with mutmut (rules, engine, derivatives, compile), and the score per file.

    python scripts/mutation.py                # a fresh run (hours on 2 cores)
    python scripts/mutation.py --keep         # reuse mutants/ and re-test only what changed
    python scripts/mutation.py --report       # only print the score of the last run
    python scripts/mutation.py --list         # only list the files mutmut would mutate

mutmut's settings are in setup.cfg's [mutmut] section; its only_mutate is the one list of the
files mutated, which mutmut and this script both read. A survivor listed in docs/mutation.md as
equivalent (it cannot change behaviour) is counted apart; any other survivor is printed with the
command that shows its diff, and makes the exit code 1 when the score is below --fail-under.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# mutmut's exit codes per mutant (mutmut/stats.py): 1 and 3 mean a test failed, so it is killed;
# a timeout or a crash is caught too. 0 is a survivor; 33 and 5 mean no test ran it.
CAUGHT = {1: "killed", 3: "killed", 36: "timeout", -24: "timeout", 24: "timeout",
          152: "timeout", 255: "timeout", -11: "crashed", -9: "crashed", 37: "type check"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ from the last run")
    parser.add_argument("--report", action="store_true", help="do not run; print the last score")
    parser.add_argument("--list", action="store_true",
                        help="do not run; list the files mutmut would mutate, as it sees them")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fail-under", type=float, default=95.0, help="percent (default: 95)")
    args = parser.parse_args()
    os.chdir(ROOT)
    files = mutated_files()
    if args.list:
        print("\n".join(files))
        return 0 if files else 1

    if not args.report:
        elsewhere = _installed_elsewhere()
        if elsewhere:
            print(f"microprop imports from {elsewhere}, not from {ROOT}: mutmut's mutants would "
                  f"not be what the tests import. Run this in that checkout, or pip install -e "
                  f"{ROOT} first.")
            return 2
        if not args.keep:
            shutil.rmtree("mutants", ignore_errors=True)
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
            stdout=subprocess.DEVNULL,  # a progress line redrawn thousands of times
        )
        minutes = (time.monotonic() - started) / 60
        print(f"mutmut run: {minutes:.1f} min with {args.max_children} workers")
        if run.returncode != 0:
            print(f"mutmut failed (exit code {run.returncode}); run it directly to see why")
            return run.returncode

    # A method's mutant is named like microprop.nn.x\u01c1Neuron\u01c1__call____mutmut_3, and
    # \u01c1 (a letter that looks like a double bar) is matched by \w.
    equivalent = set(re.findall(r"`(microprop\.[\w.]+__mutmut_\d+)`", _read("docs/mutation.md")))
    caught = total = judged = 0
    unexplained: list[str] = []
    for path in files:
        meta = Path("mutants") / f"{path}.meta"
        if not meta.exists():
            print(f"{path}: no results (mutants/{path}.meta is missing)")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        killed = [name for name, code in codes.items() if code in CAUGHT]
        survived = sorted(name for name in codes if name not in killed)
        same = [name for name in survived if name in equivalent]
        caught, total, judged = caught + len(killed), total + len(codes), judged + len(same)
        score = 100 * len(killed) / len(codes) if codes else 100.0
        print(f"{path}: {len(killed)}/{len(codes)} killed ({score:.1f}%), "
              f"{len(survived)} survived, {len(same)} of them judged equivalent")
        unexplained += [f"{name} (exit code {codes[name]})" for name in survived
                        if name not in equivalent]
    if not total:
        return 1
    score = 100 * caught / total
    print(f"total: {caught}/{total} killed ({score:.1f}%); with the {judged} equivalent ones "
          f"set aside, {100 * caught / max(total - judged, 1):.1f}%")
    if unexplained:
        print("survivors not yet explained (see each with: python -m mutmut show NAME):")
        for line in unexplained:
            print("   ", line)
    return 0 if score >= args.fail_under else 1


def _installed_elsewhere() -> str | None:
    """The folder microprop is imported from, if it is not this checkout's (an editable
    install of another checkout puts that one on every Python's path)."""
    found = subprocess.run([sys.executable, "-c", "import microprop; print(microprop.__file__)"],
                           cwd="/", capture_output=True, text=True)
    where = Path(found.stdout.strip()).parent.parent if found.returncode == 0 else None
    return None if where is None or where.resolve() == ROOT else str(where)


def mutated_files() -> list[str]:
    """The files mutmut mutates, found as mutmut finds them: its own walk of source_paths,
    filtered by only_mutate and do_not_mutate from setup.cfg (read from the current folder)."""
    from mutmut.utils.file_utils import walk_mutatable_files

    return sorted(path.as_posix() for path in walk_mutatable_files())


def _read(path: str) -> str:
    return Path(path).read_text() if Path(path).exists() else ""


if __name__ == "__main__":
    raise SystemExit(main())
