#!/usr/bin/env python3
"""One entry point for people and CI; needs only Python >= 3.11 and Node >= 20 with npm.

    python3 dev.py serve   set up, then serve the site at http://127.0.0.1:8000 (live reload)
    python3 dev.py test    set up (including a Chromium for the browser tests), then run all tests
    python3 dev.py build [--site-url URL]
                           set up, then build the deployable site into site/ for the public
                           address URL (default: $SERVEBOOK_SITE_URL, else http://127.0.0.1:8000/)
    python3 dev.py bench   set up, then print the performance figures (build and serve rebuilds,
                           engine, deploy page)
    python3 dev.py engine-data sglang==0.5.23 [--env DIR]
                           refresh the engine flag data and corpus verdicts from a real
                           engine release (opt-in: installs it from PyPI; not part of `test`)
    python3 dev.py sources <spec> --from <dir or file> [--source ID]
                           set up, then re-derive a source's goldens from another copy of it
                           (e.g. a newer upstream file) and print, per state, what would change

Set-up is idempotent: a virtualenv in .venv from requirements.lock, and node_modules
from package-lock.json, each redone only when its lock file changes.

Chromium for the browser tests, first found wins: $SERVEBOOK_CHROMIUM, /usr/bin/chromium,
`chromium` on PATH, a browser Playwright downloaded before; else it is installed: Debian's
`chromium` with apt-get (as root or with password-less sudo), else Playwright's own download.
$SERVEBOOK_BROWSER_INSTALLERS ("apt,playwright" by default; "none" for neither) chooses the
installers, and SERVEBOOK_IGNORE_SYSTEM_CHROMIUM=1 ignores installed browsers (to test set-up).
"""

import hashlib
import os
import re
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


# --- a Chromium for the browser tests -------------------------------------------------------------

class NoChromium(Exception):
    pass


def system_candidates(env=os.environ):
    """Installed browsers, in order of preference (none when SERVEBOOK_IGNORE_SYSTEM_CHROMIUM=1)."""
    if env.get("SERVEBOOK_IGNORE_SYSTEM_CHROMIUM") == "1":
        return []
    found = [Path("/usr/bin/chromium"), shutil.which("chromium", path=env.get("PATH"))]
    return [Path(p) for p in found if p] + [p for p in [playwright_chromium()] if p]


def playwright_chromium():
    """The browser `playwright install chromium` downloaded, if it did (else None)."""
    if not (BIN / "python").exists():
        return None
    code = ("from playwright.sync_api import sync_playwright\n"
            "with sync_playwright() as p: print(p.chromium.executable_path)")
    done = subprocess.run([str(BIN / "python"), "-c", code], capture_output=True, text=True)
    path = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
    return path if path and path.exists() else None


def can_use_apt(env=os.environ):
    """apt-get without a password prompt: as root, or with `sudo -n` (never asks)."""
    if shutil.which("apt-get", path=env.get("PATH")) is None:
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo", path=env.get("PATH")) and subprocess.run(
            ["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def install_with_apt(say):
    sudo = can_use_apt()
    if sudo is None:
        return "apt-get is not usable here (needs Debian/Ubuntu, and root or password-less sudo)"
    quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    # --no-upgrade: only ever adds the package, never changes a machine's existing browser.
    for cmd in ([*sudo, "apt-get", "update", "-qq"],
                [*sudo, "apt-get", "install", "-y", "-qq", "--no-upgrade", "chromium"]):
        say("+ " + " ".join(cmd))
        if subprocess.run(cmd, **quiet).returncode != 0:
            return f"`{' '.join(cmd)}` failed"
    return Path("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else "apt-get installed no /usr/bin/chromium"


def install_with_playwright(say):
    cmd = [str(BIN / "python"), "-m", "playwright", "install", "chromium"]
    say("+ " + " ".join(cmd))
    if subprocess.run(cmd).returncode != 0:
        return "Playwright's download failed (it needs access to Playwright's CDN)"
    return playwright_chromium() or "Playwright reported success but its chromium is missing"


INSTALLERS = {"apt": ("Debian's chromium (apt-get)", install_with_apt),
              "playwright": ("Playwright's Chromium download", install_with_playwright)}


def ensure_chromium(env=os.environ, candidates=None, installers=None, say=print) -> Path:
    """The Chromium the browser tests will drive: found, else installed; raises NoChromium saying
    what was tried. `candidates`/`installers` default to the real ones (tests pass their own)."""
    chosen = env.get("SERVEBOOK_CHROMIUM")
    if chosen:
        if Path(chosen).exists():
            say(f"browser: using SERVEBOOK_CHROMIUM={chosen}")
            return Path(chosen)
        raise NoChromium(f"SERVEBOOK_CHROMIUM={chosen} does not exist. Point it at a Chromium "
                         "executable, or unset it to find or install one.")
    for path in system_candidates(env) if candidates is None else candidates:
        if path.exists():
            say(f"browser: using {path}")
            return path
    if installers is None:
        names = env.get("SERVEBOOK_BROWSER_INSTALLERS", "apt,playwright")
        unknown = set(names.split(",")) - set(INSTALLERS) - {"none", ""}
        if unknown:
            raise NoChromium(f"SERVEBOOK_BROWSER_INSTALLERS: unknown {', '.join(sorted(unknown))} "
                             f"(use any of {', '.join(INSTALLERS)}, or none)")
        installers = [INSTALLERS[n] for n in names.split(",") if n in INSTALLERS]
    tried = []
    for label, install in installers:
        say(f"browser: no Chromium found; installing {label} ...")
        result = install(say)
        if isinstance(result, Path):
            say(f"browser: installed {label}: using {result}")
            return result
        say(f"browser: {label}: {result}")
        tried.append(f"{label}: {result}")
    raise NoChromium(
        "The browser tests need Chromium, and none was found or could be installed"
        + (" (" + "; ".join(tried) + ")" if tried else " (no installer allowed)")
        + ". Install Debian's `chromium` (sudo apt-get install chromium), or run "
        "`.venv/bin/python -m playwright install chromium` on a machine with internet, "
        "or set SERVEBOOK_CHROMIUM to a Chromium executable; then run `python3 dev.py test` again.")


def site_url_option(args):
    """(--site-url value or None, the other args); the URL always ends with "/" (a folder)."""
    args, url = list(args), None
    for i, arg in enumerate(args):
        if arg == "--site-url" or arg.startswith("--site-url="):
            value = arg.partition("=")[2] if "=" in arg else (args[i + 1] if i + 1 < len(args) else "")
            if not value.startswith(("http://", "https://")):
                sys.exit("dev.py build: --site-url needs the public address, e.g. "
                         "--site-url https://example.org/servebook/")
            del args[i:i + (1 if "=" in arg else 2)]
            url = value if value.endswith("/") else value + "/"
            break
    return url, args


def parallel(extra):
    """pytest-xdist options: two workers, a test file each at a time (its module fixtures run once;
    the built site is shared, see tests/conftest.py), in the order tests/conftest.py gives them
    (the longest files first), not xdist's (the files with most tests first, which left the longest
    ones for the end). None when the caller chose (-n, -p no:xdist)."""
    own = re.compile(r"-n(\d+|auto|logical)?|--numprocesses(=.*)?|(-p)?no:xdist")
    return [] if any(own.fullmatch(a) for a in extra) else ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]


def main(argv):
    task = argv[1] if len(argv) > 1 else "help"
    extra = argv[2:]
    if task == "engine-data":  # runs the engine's own environment, not ours: no set-up needed
        run(sys.executable, "tests/tools/engine_data.py", *extra)
        return 0
    if task not in ("serve", "test", "build", "bench", "setup", "sources"):
        print(__doc__)
        return 0 if task == "help" else 2
    setup()
    if task == "serve":
        run(BIN / "mkdocs", "serve", "--strict", "-a", "127.0.0.1:8000", *extra)
    elif task == "build":
        # Only the deployable build precompresses (.br/.gz); serve and test builds skip it.
        env = {**os.environ, "SERVEBOOK_PRECOMPRESS": "1"}
        url, extra = site_url_option(extra)
        if url:
            env["SERVEBOOK_SITE_URL"] = url
        if env.get("SERVEBOOK_SITE_URL"):
            print(f"site URL: {env['SERVEBOOK_SITE_URL']}", flush=True)
        run(BIN / "mkdocs", "build", "--strict", *extra, env=env)
    elif task == "test":
        try:
            chromium = ensure_chromium(say=lambda text: print(text, flush=True))
        except NoChromium as exc:
            sys.exit(f"dev.py test: {exc}")
        run(BIN / "pytest", *parallel(extra), *extra, env={**os.environ, "SERVEBOOK_CHROMIUM": str(chromium)})
    elif task == "sources":
        done = subprocess.run([str(BIN / "python"), "tests/tools/sources_diff.py", *extra], cwd=ROOT)
        return done.returncode  # 1: something would change
    elif task == "bench":
        run(BIN / "python", "tests/bench_build.py")  # the author's loop: build and serve rebuilds
        run(BIN / "python", "tests/bench_engine.py")
        run(BIN / "python", "tests/bench_check.py")
        run(BIN / "python", "tests/bench_page.py", *extra)  # the figures of issue 10's table
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    except KeyboardInterrupt:
        sys.exit(130)
