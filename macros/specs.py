"""Finding and reading spec files (YAML) at build time; the engine itself only sees dicts."""

import copy
import hashlib
import json
import os
import sys
from pathlib import Path

import yaml

from configurator import SpecError, load_spec
from configurator.loader import check_spec_states
from configurator import spec_flags
from configurator.flags import checker as engine_check
from configurator.spec_flags import check_spec, removal_warnings

from . import two_cores

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "configurator" / "specs"
# libyaml reads the Kimi spec in ~20 ms, PyYAML in ~250 ms (same data: both are safe loaders).
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def spec_path(name: str) -> Path:
    return SPEC_DIR / f"{name}.yaml"


def read_spec_source(path: Path) -> dict:
    """The spec file as a dict; YAML problems become SpecErrors naming the file and line."""
    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(shown, "", f"cannot read spec file ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        pass  # read it again with PyYAML's own loader, whose messages the errors below quote
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(shown, where, f"malformed YAML: {problem}") from None


def load_spec_file(path: Path, ahead=None):
    """Read and validate one spec file (checked_spec), with a warning for each flag it uses that its
    engine will remove soon (each load: the date moves)."""
    spec, data = checked_spec(path, ahead)
    for warning in removal_warnings(spec, data, build_date()):
        print(f"WARNING -  {warning}", file=sys.stderr)
    return spec, data


def checked_spec(path: Path, ahead=None):
    """Read and validate one spec file; its `name` must match the file name.

    The slow part (every state checked, every command against its engine release) is done once
    per spec text, engine code and engine data: its result, the notes, is kept on disk in
    build/cache/specs/ and in this process, so serve rebuilds and test modules share it.

    `ahead`: a function of the loaded spec that the caller will need (the page's view table);
    while the check runs, another process computes it for the spec with the notes of its last
    check. If the check gives the same notes (the usual case), taken_ahead(spec) returns it."""
    shown = _shown(path)
    data = read_spec_source(path)
    key = cache_key(path)
    if key in _loaded:
        spec, data = _loaded[key]
        return spec, copy.deepcopy(data)
    cached = _read_cache(path, key)
    if cached is not None:  # this exact spec passed every check with this exact engine
        data = _with_notes(data, cached["generated"])
        spec = load_spec(data, source=shown, check_states=False)
    else:
        spec = load_spec(data, source=shown, check_states=False)  # the states: in check(), forked already
        guess = _last_generated(path) if ahead is not None else None
        guessed = None if guess is None else load_spec(_with_notes(data, guess), source=shown, check_states=False)

        names_release = data.get("release") is not None  # else check_spec has nothing to check

        def check(views):
            check_spec_states(spec, data)
            _check_name(spec, path)
            # Every command it can produce, against the engine release it names; the deprecation
            # notes this adds come from the engine data and ship with the spec to the browser.
            return _with_known_texts(lambda: check_spec(spec, data, views)) if names_release else []

        if names_release:
            notes, early = two_cores.check(spec, check, None if guessed is None else (ahead, guessed),
                                           answers=lambda views: spec_flags.answers_ahead(spec, data, views))
        else:
            notes, early = check(None), None
        data = _with_notes(data, notes)
        if notes:
            spec = load_spec(data, source=shown, check_states=False)  # states checked above
        if early is not None and notes == guess:
            if len(_ahead) >= 16:
                _ahead.clear()
            _ahead[id(spec)] = (spec, early)
        _write_cache(path, key, {"generated": notes})
    _check_name(spec, path)
    if len(_loaded) >= 16:
        _loaded.clear()
    _loaded[key] = (spec, data)
    return spec, copy.deepcopy(data)


def _with_notes(data, generated):
    return {**data, "notes": list(data.get("notes", [])) + generated} if generated else data


_ahead: dict = {}  # id(spec) → (spec, the `ahead` function's result for it)


def taken_ahead(spec):
    """What checked_spec's `ahead` computed for this spec, or None (once: it is not kept)."""
    entry = _ahead.pop(id(spec), None)
    return entry[1] if entry is not None and entry[0] is spec else None


def _check_name(spec, path):
    if spec.name != path.stem:
        raise SpecError(_shown(path), "name", f"'{spec.name}' must match the file name '{path.stem}'")


# --- the cache of checked specs ------------------------------------------------------------------

CACHE_DIR = ROOT / "build" / "cache" / "specs"
ENGINE_DIR = ROOT / "configurator"
_loaded: dict = {}  # cache key → (spec, data), for this process
_engine: dict = {}  # the engine's files (name, mtime, size) → hash of their contents


def engine_fingerprint() -> str:
    """A hash of everything that decides whether a spec passes: the engine's code and data, and
    this module. Rehashed only when a file's time or size changes (serve calls it on every build)."""
    data_dir = Path(getattr(engine_check, "DATA_DIR", ENGINE_DIR))  # the engine data, wherever it lives
    files = sorted({*ENGINE_DIR.rglob("*.py"), *ENGINE_DIR.rglob("*.json"), Path(__file__).resolve(),
                    *(p for p in data_dir.rglob("*") if p.is_file())})
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if stats not in _engine:
        digest = hashlib.sha256()
        for p in files:
            name = p.relative_to(ROOT if p.is_relative_to(ROOT) else data_dir.parent)
            digest.update(str(name).encode() + b"\0" + p.read_bytes() + b"\0")
        _engine.clear()
        _engine[stats] = digest.hexdigest()
    return _engine[stats]


def _with_known_texts(check):
    """check(), with the engine checker's answers from earlier checks (spec_flags.known) read from
    and saved to build/cache/specs/ under the engine's fingerprint: after a spec edit, only the
    command texts the edit changed are parsed again."""
    name = f"checked-texts.{engine_fingerprint()[:32]}.json"
    if _known["name"] != name:
        try:
            spec_flags.known.update(json.loads((CACHE_DIR / name).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
        _known["name"] = name
    before = len(spec_flags.known)
    try:
        return check()
    finally:
        if len(spec_flags.known) != before:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            for stale in CACHE_DIR.glob("checked-texts.*.json"):
                if stale.name != name:
                    stale.unlink(missing_ok=True)
            tmp = CACHE_DIR / f"{name}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(spec_flags.known), encoding="utf-8")
            tmp.replace(CACHE_DIR / name)


_known = {"name": None}  # the file spec_flags.known was read from, in this process


def cache_key(path: Path) -> str:
    text = path.read_bytes()
    return hashlib.sha256(f"{_shown(path)}\0{engine_fingerprint()}\0".encode() + text).hexdigest()


def _last_generated(path: Path):
    """The notes this spec's last check generated (its entry is replaced when this check ends)."""
    for entry in CACHE_DIR.glob(f"{path.stem}.checked.*.json"):
        try:
            return json.loads(entry.read_text(encoding="utf-8"))["generated"]
        except (OSError, ValueError, KeyError):
            continue
    return None


def _read_cache(path: Path, key: str, kind: str = "checked"):
    try:
        return json.loads((CACHE_DIR / f"{path.stem}.{kind}.{key[:32]}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_cache(path: Path, key: str, result, kind: str = "checked"):
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    dest = CACHE_DIR / f"{path.stem}.{kind}.{key[:32]}.json"
    for stale in CACHE_DIR.glob(f"{path.stem}.{kind}.*.json"):  # one entry per spec and kind
        stale.unlink(missing_ok=True)
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")  # builds and tests run side by side
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(dest)


def build_date() -> str:
    """Today ("YYYY-MM-DD"), or SOURCE_DATE_EPOCH's day for a reproducible build: near removal dates warn."""
    import datetime
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date() if epoch else datetime.date.today()
    return day.isoformat()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SPEC_DIR.parent.parent))
    except ValueError:
        return str(path)


def cached(path: Path, kind: str, compute, *depends: Path, params: str = ""):
    """compute() for the spec at `path`, kept on disk next to its check: another per-spec result
    (e.g. the page's view table) that depends on the same things plus the files `depends` and the
    settings `params` (a test that lowers a limit must not leave its result under the real key)."""
    digest = hashlib.sha256(f"{cache_key(path)}\0{params}".encode())
    for dep in depends:
        digest.update(dep.read_bytes())
    key = digest.hexdigest()
    found = _read_cache(path, key, kind)
    if found is None:
        found = {"value": compute()}
        _write_cache(path, key, found, kind)
    return found["value"]
