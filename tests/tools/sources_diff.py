"""What would change if a spec followed another copy of a source it reproduces.

    python3 dev.py sources <spec name or file> --from <dir or file> [--source ID]

Re-derives the goldens from the given copy (running the generator's own code in Node, as the
tests do) and compares them, state by state, with what the spec renders now:

    ~ state      the command would change (a unified diff: - the spec now, + the copy)
    + state      the copy has a state the spec does not render (or renders as another state)
    - state      the spec renders a state (for this source) that the copy does not have
    = N states unchanged

`--from` is the generator file, or a directory holding a file named like the source's `path`.
`--source` picks the spec's source when the file's name does not say (default: the source of the
spec's command with nothing chosen). Exit code 0 when nothing would change, 1 otherwise.
"""

import argparse
import difflib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from configurator import all_states, resolve  # noqa: E402
from macros.specs import load_spec_file, spec_path  # noqa: E402

# Generators this tool can run, by what their file contains: (marker, deriver script).
DERIVERS = [("const generateCommand = () =>", ROOT / "tests" / "tools" / "derive_sglang_docs.mjs")]


def find_file(spec, where: Path, source_id):
    """(source, generator file) for --from, or exits with a message."""
    sources = spec.sources
    if not sources:
        sys.exit(f"{spec.source}: the spec lists no sources")
    if source_id is not None and source_id not in sources:
        sys.exit(f"{spec.source}: no source {source_id!r} (sources: {', '.join(sources)})")
    if where.is_dir():
        wanted = [sources[source_id]] if source_id else [s for s in sources.values() if s.path]
        for source in wanted:
            if source.path and (where / Path(source.path).name).is_file():
                return source, where / Path(source.path).name
        names = ", ".join(Path(s.path).name for s in wanted if s.path)
        sys.exit(f"{where}: none of the spec's source files is there (looked for: {names})")
    if not where.is_file():
        sys.exit(f"{where}: no such file or directory")
    if source_id is None:
        by_name = [s for s in sources.values() if s.path and Path(s.path).name == where.name]
        source_id = by_name[0].id if by_name else resolve(spec)["source"]
        if source_id is None:
            sys.exit(f"{spec.source}: the command names no source; say which with --source")
    return sources[source_id], where


def derive(path: Path) -> dict:
    text = path.read_text(encoding="utf-8", errors="replace")
    script = next((s for marker, s in DERIVERS if marker in text), None)
    if script is None:
        sys.exit(f"{path}: not a generator this tool can run (known: {', '.join(m for m, _ in DERIVERS)})")
    done = subprocess.run(["node", str(script), str(path)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"{path}: the generator did not run: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def shown(choices) -> str:
    return " ".join(f"{k}={v}" for k, v in choices.items()) or "(defaults)"


def compare(spec, source, rows) -> tuple[list[str], dict]:
    """Report lines and counts {unchanged, changed, added, removed}."""
    keys = list(dict.fromkeys(k for row in rows for k in row["choices"]))
    out, counts, seen = [], {"unchanged": 0, "changed": 0, "added": 0, "removed": 0}, set()
    for row in rows:
        view = resolve(spec, row["choices"])
        state = {k: v for k, v in view["state"].items() if k in keys}
        if view["ignored"] or state != row["choices"] or view["source"] != source.id:
            counts["added"] += 1
            out.append(f"+ {shown(row['choices'])}: the spec does not render this state")
            out += [f"    + {line}" for line in row["command"].splitlines()]
            continue
        seen.add(json.dumps(state, sort_keys=True))
        if view["command"] == row["command"]:
            counts["unchanged"] += 1
            continue
        counts["changed"] += 1
        out.append(f"~ {shown(row['choices'])}")
        diff = difflib.unified_diff(view["command"].splitlines(), row["command"].splitlines(), lineterm="", n=0)
        out += [f"    {line}" for line in diff if not line.startswith(("---", "+++", "@@"))]
    # States the spec renders for this source that the copy does not have, shown without the
    # options that are the same in all of them (such as the choice that selects this source).
    views = [resolve(spec, choices) for choices in all_states(spec)]
    views = [v for v in views if v["source"] == source.id]
    constant = {k for k in views[0]["state"] if len({json.dumps(v["state"].get(k)) for v in views}) == 1} if views else set()
    removed = {}
    for view in views:
        key = json.dumps({k: v for k, v in view["state"].items() if k in keys}, sort_keys=True)
        if key not in seen:
            state = {k: v for k, v in view["state"].items() if k not in constant}
            removed.setdefault(json.dumps(state, sort_keys=True), (state, view["command"]))
    for state, command in removed.values():
        counts["removed"] += 1
        out.append(f"- {shown(state)}: the copy has no such state")
        out += [f"    - {line}" for line in command.splitlines()]
    return out, counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="dev.py sources", description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", help="a spec name (configurator/specs/<name>.yaml) or file")
    parser.add_argument("--from", dest="copy", required=True, type=Path, help="the upstream copy: a file or a directory")
    parser.add_argument("--source", help="the spec's source id the copy is a version of")
    args = parser.parse_args(argv)
    path = Path(args.spec) if args.spec.endswith((".yaml", ".yml")) else spec_path(args.spec)
    spec, _ = load_spec_file(path)
    source, file = find_file(spec, args.copy, args.source)
    data = derive(file)
    print(f"{spec.name}: source {source.id!r} ({source.label}) against {file}")
    lines, counts = compare(spec, source, data["rows"])
    print("\n".join(lines) if lines else "no differences")
    print(f"= {counts['unchanged']} states unchanged, {counts['changed']} would change, "
          f"{counts['added']} new in the copy, {counts['removed']} not in the copy")
    return 0 if counts["changed"] + counts["added"] + counts["removed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
