"""Update the translation catalogs from the source: `python scripts/messages.py`.

Strings in an app (its code and its templates) go to that app's catalog;
strings in config/ and templates/ go to the project catalog in locale/.
"""

import argparse
import subprocess
import sys
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
root = Path(parser.parse_args().root)
subprocess.run(
    [
        sys.executable,
        "manage.py",
        "makemessages",
        "-l",
        "zh_Hant",
        "--no-obsolete",
        "--add-location",
        "file",
        "--ignore",
        "staticfiles/*",
        "--ignore",
        "tests/*",
        "--ignore",
        "media/*",
        "--ignore",
        "scripts/*",
        "--ignore",
        "node_modules/*",
        "--ignore",
        "docs/*",
    ],
    cwd=root,
    check=True,
    env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "SECRET_KEY": "messages"},
)
