"""Mutation check of the authorisation: remove each policy check in turn, a test must fail.

For every ``policy.require(...)`` call in the apps' services, the call is replaced by ``pass``,
the app's action matrix (for that action) and then, if it survives, the app's whole test folder
run, and the first failing test is reported. A check no test notices is a check nobody proves.

    python scripts/mutate_policy.py                 # every app
    python scripts/mutate_policy.py referrals       # one app

Exit status 1 when a removed check left every test green. Run with the same DJANGO_SETTINGS_MODULE /
DATABASE_URL as the tests; it restores each file even when interrupted.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("referrals", "safety", "patrols", "accounts", "dashboards")
CALL = re.compile(r"^(?P<indent>\s*)policy\.require\((?P<args>.*)\)\s*$")
FAILED = re.compile(r"^FAILED (\S+)", re.MULTILINE)


# Service modules beside services.py that change state and ask the policy too.
MORE_SERVICES = {"safety": ("assessment.py", "escort_fallback.py", "route_notes.py")}


def service_files(app):
    base = ROOT / app
    more = [base / name for name in MORE_SERVICES.get(app, ())]
    return sorted([*base.glob("services.py"), *base.glob("services/*.py"), *more])


def checks(path):
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = CALL.match(line)
        if match:
            action = re.search(r"[\"']([a-z_]+)[\"']", match["args"])
            yield number, line, action[1] if action else ""


def first_failure(args):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode in (0, 5):  # 5: no test matched the selection, so none noticed
        return None
    found = FAILED.search(run.stdout)
    return found[1] if found else f"pytest exit {run.returncode}"


def mutate(path, number, action, app):
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    indent = CALL.match(lines[number - 1])["indent"]
    lines[number - 1] = f"{indent}pass  # policy check removed by scripts/mutate_policy.py\n"
    try:
        path.write_text("".join(lines))
        matrix = ROOT / "tests" / app / "test_action_matrix.py"
        failure = None
        if matrix.exists():
            failure = first_failure([str(matrix.relative_to(ROOT)), "-k", action] if action else [str(matrix)])
        return failure or first_failure([f"tests/{app}"])
    finally:
        path.write_text(original)


def main(apps):
    survivors, rows = 0, []
    for app in apps:
        for path in service_files(app):
            for number, _line, action in list(checks(path)):
                failure = mutate(path, number, action, app)
                where = f"{path.relative_to(ROOT)}:{number}"
                rows.append((where, action, failure))
                survivors += failure is None
                print(f"{where:<40} {action:<26} {failure or 'SURVIVED: no test failed'}", flush=True)
    print(f"\n{len(rows)} policy checks removed one at a time; {len(rows) - survivors} caught, {survivors} survived")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or APPS))
