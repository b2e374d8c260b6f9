"""`{{ checked_against() }}`: which engine releases a page's commands are checked against,
read from the engine data the checks use (configurator/flags/engine_data/), never typed by hand."""

from hashlib import sha256

from configurator.flags import release_data
from configurator.flags.checker import latest, load


def data_bundle() -> tuple[str, bytes]:
    """("engine-data.<hash>.json", its bytes): every release of every engine as the page's checker
    fetches it, once, on the first check. The name carries the content hash, so the file may be
    cached as immutable (README) and a new release of the data gets a new URL."""
    text = release_data.bundle().encode("utf-8")
    return f"engine-data.{sha256(text).hexdigest()[:12]}.json", text


def releases() -> list[str]:
    """["sglang 0.5.23", "vllm 0.33.0"]: the newest data file of each engine."""
    return [f"{data['engine']} {data['release']}" for data in map(load, latest())]


def covered() -> list[str]:
    """["sglang 0.5.9", "sglang 0.5.17", ...]: every release with engine data, oldest first per engine."""
    return [f"{e} {r}" for e, rs in sorted(release_data.stored().items()) for r in rs]


def checked_against() -> str:
    names = [f"**{r}**" for r in releases()]
    listed = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"Commands on this page are checked against the argument parsers of {listed}: "
            "what those releases accept, not whether a setup fits your GPUs or model.")


def what_changed(engine: str) -> str:
    """`{{ what_changed("sglang") }}`: Markdown of what changed between consecutive covered releases,
    computed from the engine data (configurator/flags/release_data.py), never written by hand."""
    from configurator.flags.release_data import changes, chain, expand, removed_replacement

    full = expand(chain(engine))
    if len(full) < 2:
        raise ValueError(f"what_changed: fewer than two releases of {engine!r} have engine data")
    out = [f"Covered: {', '.join(d['release'] for d in full)}. Each section compares one release with the one before.", ""]
    code = lambda names: ", ".join(f"`{n}`" for n in names)  # noqa: E731
    for old, new in zip(full, full[1:]):
        out += [f"## {engine} {old['release']} → {new['release']}", ""]
        found = changes(old, new)
        if not found:
            out += ["No option changed.", ""]
        for command, c in sorted(found.items()):
            out += [f"### `{engine} {command}`", ""]
            rows = [("Renamed", [f"`{a}` → `{b}`" for a, b in c["renamed"]]),
                    ("Removed", [code([n]) + (f" (use `{r}`)" if (r := removed_replacement(old, command, n)) else "")
                                 for n in c["removed"]]),
                    ("Deprecated", [f"`{n}`" + _replacement(new, command, n) for n in c["deprecated"]]),
                    ("No longer deprecated", [code([n]) for n in c["undeprecated"]]),
                    ("Choices removed", [f"`{k}`: {code(v)}" for k, v in sorted(c["choices_removed"].items())]),
                    ("Choices added", [f"`{k}`: {code(v)}" for k, v in sorted(c["choices_added"].items())]),
                    ("Other names removed", [f"`{k}`: {code(v)}" for k, v in sorted(c["aliases_removed"].items())]),
                    ("Added", [code([n]) for n in c["added"]])]
            for title, items in rows:
                if items:
                    out += [f"**{title}** ({len(items)}): " + "; ".join(items), ""]
    return "\n".join(out)


def _replacement(data, command, name):
    opt = next(o for o in data["commands"][command]["options"] if o["names"][0] == name)
    dep = opt.get("deprecated") or {}
    parts = ([f"use `{dep['replacement']}`"] if dep.get("replacement") else []) + \
            ([f"removal after {dep['removal']}"] if dep.get("removal") else [])
    return f" ({'; '.join(parts)})" if parts else ""
