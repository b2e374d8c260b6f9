#!/usr/bin/env python3
"""One entry point for people and CI; needs only Python >= 3.11 and Node >= 20 with npm.

    python3 dev.py serve   set up, then serve the site at http://127.0.0.1:8000 (live reload)
    python3 dev.py test    set up, then run the whole test suite
    python3 dev.py build   set up, then build the deployable site into site/
    python3 dev.py bench   set up, then print the performance figures
    python3 dev.py engine-data sglang==0.5.23 [--env DIR]
                           refresh the engine flag data and corpus verdicts from a real
                           engine release (opt-in: installs it from PyPI; not part of `test`)

Set-up is idempotent: a virtualenv in .venv from requirements.lock, and node_modules
from package-lock.json, each redone only when its lock file changes.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*cmd, **kw):
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, **kw)


def fingerprint(*files):
    digest = hashlib.sha256()
    for name in files:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def up_to_date(stamp: Path, value: str) -> bool:
    return stamp.exists() and stamp.read_text() == value


def setup():
    if sys.version_info < (3, 11):
        sys.exit("Servebook needs Python 3.11 or newer.")
    if shutil.which("npm") is None or shutil.which("node") is None:
        sys.exit("Servebook needs Node.js 20 or newer with npm on PATH.")
    stamp, value = VENV / ".servebook-stamp", fingerprint("requirements.lock", "pyproject.toml")
    if not up_to_date(stamp, value):
        if not (BIN / "python").exists():
            venv.create(VENV, with_pip=True)
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-r", "requirements.lock")
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "-e", ".")
        stamp.write_text(value)
    stamp, value = ROOT / "node_modules" / ".servebook-stamp", fingerprint("package-lock.json")
    if not up_to_date(stamp, value):
        run("npm", "ci", "--no-audit", "--no-fund")
        stamp.write_text(value)


def main(argv):
    task = argv[1] if len(argv) > 1 else "help"
    extra = argv[2:]
    if task == "engine-data":  # runs the engine's own environment, not ours: no set-up needed
        run(sys.executable, "tests/tools/engine_data.py", *extra)
        return 0
    if task not in ("serve", "test", "build", "bench", "setup"):
        print(__doc__)
        return 0 if task == "help" else 2
    setup()
    if task == "serve":
        run(BIN / "mkdocs", "serve", "--strict", "-a", "127.0.0.1:8000", *extra)
    elif task == "build":
        run(BIN / "mkdocs", "build", "--strict", *extra)
    elif task == "test":
        if not Path(os.environ.get("SERVEBOOK_CHROMIUM", "/usr/bin/chromium")).exists():
            print("note: Chromium not found at /usr/bin/chromium; browser tests will be skipped. "
                  "Install it with `sudo apt-get install chromium` (.ci/run does this).", flush=True)
        run(BIN / "pytest", *extra)
    elif task == "bench":
        run(BIN / "python", "tests/bench_engine.py")
        run(BIN / "python", "tests/bench_check.py")
        run(BIN / "python", "tests/bench_browser.py", *extra)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    except KeyboardInterrupt:
        sys.exit(130)
