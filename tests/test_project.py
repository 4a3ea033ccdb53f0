"""Project-wide checks: migrations, translations, deployment settings, compose file."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from accounts.management.commands.compile_translations import project_catalogs

BASE = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_catalog_is_fully_translated():
    catalogs = list(project_catalogs(BASE))
    assert catalogs, "no translation catalogs found"
    problems = []
    for po_path in catalogs:
        if "zh_Hant" not in po_path.parts:
            continue
        catalog = polib.pofile(str(po_path))
        for entry in catalog.untranslated_entries():
            problems.append(f"{po_path.relative_to(BASE)}: untranslated {entry.msgid!r}")
        for entry in catalog.fuzzy_entries():
            problems.append(f"{po_path.relative_to(BASE)}: fuzzy {entry.msgid!r}")
    assert not problems, "\n".join(problems[:50])


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is installed by scripts/test")
def test_catalogs_are_up_to_date_with_the_source(tmp_path):
    """Every translatable string in the code is in a catalog (run `make messages` after adding one)."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "staticfiles", "node_modules", "media", "*.mo", "__pycache__", "tests"
    )
    shutil.copytree(BASE, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, str(BASE / "scripts" / "messages.py"), "--root", str(copy)], check=True, capture_output=True
    )
    problems = []
    for po_path in project_catalogs(copy):
        if "zh_Hant" not in po_path.parts:
            continue
        catalog = polib.pofile(str(po_path))
        problems += [
            f"{po_path.relative_to(copy)}: {e.msgid!r}"
            for e in catalog.untranslated_entries() + catalog.fuzzy_entries()
        ]
    assert not problems, "new strings lack a zh_Hant translation:\n" + "\n".join(problems[:50])


def test_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECURE": "true",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "psw.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_matches_the_code():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"]) and "config.wsgi" in " ".join(services["web"]["command"])
    assert "celery" in services["worker"]["command"] and "-A config worker" in " ".join(services["worker"]["command"])
    assert "beat" in " ".join(services["beat"]["command"])
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name
    settings_source = (BASE / "config" / "settings.py").read_text()
    read_vars = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    for name in ("web", "worker", "beat"):
        env = services[name].get("environment", {})
        keys = set(env) if isinstance(env, dict) else {e.split("=")[0] for e in env}
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= keys, name
        assert keys <= read_vars | {"DJANGO_SETTINGS_MODULE"}, (
            f"{name} sets variables the settings never read: {keys - read_vars}"
        )
    assert "healthz" in str(services["web"]["healthcheck"])
    assert (BASE / "Dockerfile").exists()
    # `--scale web=N`: no web replica binds a host port; the proxy does, and finds them all by DNS.
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["8000:8000"]
    mounted = services["proxy"]["volumes"][0].split(":")[0]
    assert "server-template web" in (BASE / mounted).read_text()


def test_api_schema_is_valid_and_has_no_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").stat().st_size > 1000
