"""Finding and reading spec files (YAML) at build time; the engine itself only sees dicts."""

from pathlib import Path

import yaml

from configurator import SpecError, load_spec
from configurator.speccheck import check_spec

SPEC_DIR = Path(__file__).resolve().parent.parent / "configurator" / "specs"


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
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(shown, where, f"malformed YAML: {problem}") from None


def load_spec_file(path: Path):
    """Read and validate one spec file; its `name` must match the file name."""
    data = read_spec_source(path)
    spec = load_spec(data, source=_shown(path))
    if spec.name != path.stem:
        raise SpecError(_shown(path), "name", f"'{spec.name}' must match the file name '{path.stem}'")
    # Every command it can produce, against the engine release it names; the deprecation
    # notes this adds come from the engine data and ship with the spec to the browser.
    notes = check_spec(spec, data, today=build_date())
    if notes:
        data = {**data, "notes": list(data.get("notes", [])) + notes}
        spec = load_spec(data, source=_shown(path))
    return spec, data


def build_date() -> str:
    """Today ("YYYY-MM-DD"), or SOURCE_DATE_EPOCH's day for a reproducible build: near removal dates warn."""
    import datetime
    import os
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date() if epoch else datetime.date.today()
    return day.isoformat()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SPEC_DIR.parent.parent))
    except ValueError:
        return str(path)
