"""Fill untranslated zh_Hant entries from a JSON object {msgid: msgstr}.

Usage: python scripts/po_fill.py translations.json   (or - for stdin)
Only empty entries are filled, in every project catalog that has the msgid;
with --force existing translations are replaced too. Prints what is still missing.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "venv", "node_modules", "staticfiles", ".git"}

args = [a for a in sys.argv[1:] if not a.startswith("--")]
force = "--force" in sys.argv
source = sys.stdin if not args or args[0] == "-" else open(args[0], encoding="utf-8")
mapping = json.load(source)
missing = []
for po_path in sorted(ROOT.rglob("zh_Hant/LC_MESSAGES/django.po")):
    if SKIP.intersection(po_path.relative_to(ROOT).parts):
        continue
    catalog = polib.pofile(str(po_path))
    changed = False
    for entry in catalog:
        if entry.obsolete:
            continue
        done = entry.msgstr or (entry.msgstr_plural and all(entry.msgstr_plural.values()))
        fuzzy = "fuzzy" in entry.flags
        if done and not force and not fuzzy:
            continue
        value = mapping.get(entry.msgid)
        if value is None:
            if fuzzy:  # a guess from a similar msgid: never keep it unreviewed
                missing.append(f"{po_path.relative_to(ROOT)}: {entry.msgid!r} (fuzzy guess: {entry.msgstr!r})")
            elif not done:
                missing.append(f"{po_path.relative_to(ROOT)}: {entry.msgid!r}")
            continue
        if fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value if isinstance(value, str) else value[0]}
        else:
            entry.msgstr = value
        changed = True
    if changed:
        catalog.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        catalog.metadata["Language"] = "zh_Hant"
        catalog.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        catalog.save()
print("\n".join(missing) if missing else "all entries translated")
