"""The shape of the code (docs/architecture.md), checked so that a change cannot quietly undo it.

* Case, safety and patrol records are written only by services (and migrations, demo data, tests).
* Public service functions take keyword arguments only.
* Apps depend downwards only and no app has an import cycle (import-linter, .importlinter).
* Apps plug into each other through the one hooks registry.
"""

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from accounts import hooks

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "referrals", "safety", "patrols", "dashboards")
DOMAIN_APPS = ("referrals", "safety", "patrols")
WRITES = {"save", "delete", "create", "update", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
# Modules that present, route or read: they never write a record themselves, whatever its type.
READ_SIDE = ("views", "api", "forms", "serializers", "admin", "selectors", "filters", "lookups", "templatetags", "fhir")
# The home page's "Language" choice is a user preference, not a record.
ALLOWED = {("accounts/views.py", "request.user.save")}


def _writer_module(path: Path) -> bool:
    """Where writing records is the point: services, migrations, demo data."""
    parts = path.relative_to(ROOT).parts
    return (
        "migrations" in parts
        or any(p == "services" or p.startswith("services.") for p in parts)
        or any(p == "demo" or p.startswith("demo.") for p in parts)
        or parts[-1] == "seed_demo.py"
    )


def _read_side(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return any(p.removesuffix(".py") in READ_SIDE for p in parts)


def _domain_model_names() -> set[str]:
    return {m.__name__ for app in DOMAIN_APPS for m in apps.get_app_config(app).get_models()}


def _chain(node: ast.AST) -> tuple[str | None, str]:
    """The name a call chain starts from and the chain as text: ``Referral.objects.filter(…).update``."""
    text = ast.unparse(node)
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return (node.id if isinstance(node, ast.Name) else None), text


def domain_writes(source: str, path: Path, models: set[str]) -> list[str]:
    """Writes of domain records in ``source``: through a domain model's manager anywhere, and any
    ``save()``/``delete()`` in a module of the read side."""
    found = []
    rel = str(path.relative_to(ROOT))
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES):
            continue
        root, text = _chain(node.func.value)
        on_model = root in models and ".objects" in text or (isinstance(node.func.value, ast.Call) and root in models)
        saved_here = node.func.attr in {"save", "delete"} and _read_side(path) and root != "super"
        if (on_model or saved_here) and (rel, f"{text}.{node.func.attr}") not in ALLOWED:
            found.append(f"{rel}:{node.lineno}: {text}.{node.func.attr}(…)")
    return found


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not _writer_module(path):
                yield path


def test_case_safety_and_patrol_records_are_written_only_by_services():
    models = _domain_model_names()
    found = [hit for path in _app_modules() for hit in domain_writes(path.read_text(), path, models)]
    assert not found, "Domain records written outside services:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source,where",
    [
        ("Referral.objects.create(reference='R-1')", "referrals/views/case.py"),
        ("Referral.objects.filter(pk=1).update(status='closed')", "referrals/hooks.py"),
        ("HomeVisit.objects.select_for_update().get(pk=1).delete()", "safety/tasks.py"),
        ("referral.save(update_fields=['status'])", "referrals/api.py"),
        ("flag.delete()", "safety/admin.py"),
        ("form.save()", "patrols/forms.py"),
    ],
)
def test_the_guard_catches_a_write_outside_services(source, where):
    """The guard itself: each of these would slip a change past the policy and the event log."""
    assert domain_writes(source, ROOT / where, _domain_model_names())


def test_the_guard_lets_services_and_reads_be():
    models = _domain_model_names()
    assert not domain_writes("Referral.objects.filter(pk=1).first()", ROOT / "referrals/views/case.py", models)
    assert not domain_writes("super().save(*args, **kwargs)", ROOT / "referrals/admin.py", models)
    assert _writer_module(ROOT / "referrals/services/intake.py") and _writer_module(ROOT / "safety/services.py")


def _service_functions():
    from accounts import services as account_services
    from patrols import services as patrol_services
    from referrals import services as referral_services
    from safety import services as safety_services

    for package in (account_services, referral_services, safety_services, patrol_services):
        for name, func in vars(package).items():
            if inspect.isfunction(func) and not name.startswith("_") and func.__module__.startswith(package.__name__):
                yield f"{func.__module__}.{name}", func


def test_public_services_take_keyword_arguments_only():
    positional = [
        name
        for name, func in _service_functions()
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    assert not positional, "Services called with positional arguments: " + ", ".join(sorted(set(positional)))


def test_public_services_are_fully_annotated():
    missing, checked = [], set()
    for name, func in _service_functions():
        checked.add(name)
        signature = inspect.signature(func)
        missing += [f"{name}({p.name})" for p in signature.parameters.values() if p.annotation is p.empty]
        if signature.return_annotation is signature.empty:
            missing.append(f"{name} -> ?")
    assert {"accounts.services.notify", "referrals.services.intake.accept_referral"} <= checked
    assert {"patrols.services.visits.record_visit", "safety.services.visits.start_visit"} <= checked
    assert not missing, "Service signatures without types: " + ", ".join(sorted(missing))


def test_apps_depend_downwards_without_cycles():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def test_each_app_plugs_in_through_its_hooks_module():
    for app in ("referrals", "safety", "patrols", "dashboards"):
        assert (ROOT / app / "hooks.py").exists()
    names = {sweep.name for sweep in hooks.get_hooks(hooks.TIMERS)}
    assert {"referral_escalations", "lone_worker", "monthly_reports"} <= names
    assert hooks.get_hooks(hooks.REFERRAL_BADGES) and hooks.get_hooks(hooks.REFERRAL_PANELS)


def test_register_temporarily_removes_the_entry_after_the_block():
    def sentinel():
        return None

    with hooks.register_temporarily("test_only", sentinel):
        assert hooks.get_hooks("test_only") == [sentinel]
    assert hooks.get_hooks("test_only") == []
