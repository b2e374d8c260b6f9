"""Engine data across releases: stored as one full release plus deltas, and what changed.

configurator/flags/engine_data/<engine>-<release>.json is either a full release (the oldest one
covered: "engine", "release", "images", "env", "commands") or a delta against the release
before it ("after": "<previous release>"), so adding a release adds only what changed:

    {"engine", "release", "after", "images", "env": {"prefixes", "added", "removed"},
     "commands": {name: {"head": {...}, "removed": [first option names], "options": [changed or new]}},
     "removed_commands": [names]}

Options are identified by their first option string (argparse's dest-giving name). The browser
gets every file of every engine in one bundle ({"engines": {engine: [full, delta, ...]}}),
fetched on the first check under a content-hashed name.
"""

import difflib
import json
import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine_data")


def version_key(release):
    return tuple(int(p) if p.isdigit() else 0 for p in str(release).split("."))


def _read(name):
    with open(os.path.join(DATA_DIR, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def stored():
    """{engine: [release, ...]} of the files shipped, oldest first."""
    out = {}
    try:
        names = sorted(n[:-5] for n in os.listdir(DATA_DIR) if n.endswith(".json"))
    except OSError:
        return {}
    for name in names:
        engine, _, release = name.partition("-")
        out.setdefault(engine, []).append(release)
    return {e: sorted(r, key=version_key) for e, r in out.items()}


def chain(engine):
    """The stored files of one engine, oldest (full) first, each delta after the one it follows."""
    return [_read(f"{engine}-{r}") for r in stored().get(engine, [])]


def expand(files):
    """[full data of each release] from [full, delta, delta, ...] (raises ValueError if broken)."""
    files = sorted(files, key=lambda d: version_key(d["release"]))
    if not files or "after" in files[0]:
        raise ValueError("the oldest release of an engine must be stored in full")
    out = [files[0]]
    for delta in files[1:]:
        if delta.get("after") != out[-1]["release"] or delta.get("engine") != out[0]["engine"]:
            raise ValueError(f"{delta.get('engine')} {delta.get('release')} does not follow {out[-1]['release']}")
        out.append(apply(out[-1], delta))
    return out


def apply(old, delta):
    env = old.get("env", {})
    names = (set(env.get("names", [])) - set(delta["env"].get("removed", []))) | set(delta["env"].get("added", []))
    commands = {}
    for name, command in old["commands"].items():
        if name in delta.get("removed_commands", []):
            continue
        commands[name] = command
    for name, change in delta["commands"].items():
        before = commands.get(name, {"options": []})
        gone = set(change.get("removed", [])) | {o["names"][0] for o in change.get("options", [])}
        options = [o for o in before["options"] if o["names"][0] not in gone] + change.get("options", [])
        commands[name] = {**change.get("head", {k: v for k, v in before.items() if k != "options"}),
                          "options": sorted(options, key=lambda o: o["names"][0])}
    return {"engine": old["engine"], "release": delta["release"], "images": delta.get("images", old.get("images", [])),
            "env": {"prefixes": delta["env"].get("prefixes", env.get("prefixes", [])), "names": sorted(names)},
            "commands": commands}


def diff(old, new):
    """The delta that turns full release `old` into full release `new`."""
    commands = {}
    for name, command in new["commands"].items():
        before = {o["names"][0]: o for o in old["commands"].get(name, {"options": []})["options"]}
        after = {o["names"][0]: o for o in command["options"]}
        head = {k: v for k, v in command.items() if k != "options"}
        changed = [o for key, o in sorted(after.items()) if before.get(key) != o]
        removed = sorted(set(before) - set(after))
        old_head = {k: v for k, v in old["commands"].get(name, {}).items() if k != "options"}
        if changed or removed or head != old_head or name not in old["commands"]:
            commands[name] = {"head": head, "removed": removed, "options": changed}
    old_env, new_env = set(old["env"]["names"]), set(new["env"]["names"])
    return {"engine": new["engine"], "release": new["release"], "after": old["release"], "images": new["images"],
            "env": {"prefixes": new["env"]["prefixes"], "added": sorted(new_env - old_env),
                    "removed": sorted(old_env - new_env)},
            "commands": commands, "removed_commands": sorted(set(old["commands"]) - set(new["commands"]))}


def _compact(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dump(data):
    """A full release or a delta as text: sorted, one option (or env name) per line, reviewable as a diff."""
    c = _compact
    out = ["{", f'"engine":{c(data["engine"])},', f'"release":{c(data["release"])},']
    if "after" in data:
        out.append(f'"after":{c(data["after"])},')
    out.append(f'"images":{c(data["images"])},')
    env = data["env"]
    lists = [k for k in ("names", "added", "removed") if k in env]
    out += ['"env":{', f'"prefixes":{c(env["prefixes"])},']
    out.append(",\n".join(f'"{k}":[\n' + ",\n".join(c(n) for n in env[k]) + "\n]" for k in lists) + "},")
    out.append('"commands":{')
    commands = []
    for name in sorted(data["commands"]):
        command = data["commands"][name]
        head = {k: v for k, v in command.items() if k != "options"}
        options = ",\n".join(c(o) for o in command["options"])
        commands.append(f"{c(name)}:{c(head)[:-1]}{',' if head else ''}\"options\":[\n" + options + "\n]}")
    out.append(",\n".join(commands))
    out.append("}}" if "after" not in data else "},\n" + f'"removed_commands":{c(data["removed_commands"])}' + "}")
    return "\n".join(out) + "\n"


def bundle(engines=None):
    """What the browser fetches: every stored file of every engine, in one JSON text."""
    names = stored()
    return json.dumps({"engines": {e: chain(e) for e in sorted(names) if engines is None or e in engines}},
                      ensure_ascii=False, separators=(",", ":"))


# --- what changed between releases -----------------------------------------------------------

def _shape(opt):
    return (opt.get("nargs"), opt.get("type"), opt.get("choices"), opt.get("default"))


def _one_token_apart(a, b):
    x, y = a.split("-"), b.split("-")
    return len(x) == len(y) and sum(p != q for p, q in zip(x, y)) == 1


def removed_replacement(old, command, name):
    """The replacement the engine named when it deprecated `name` (a removed option), or None."""
    opt = next((o for o in old["commands"].get(command, {"options": []})["options"] if o["names"][0] == name), None)
    return ((opt or {}).get("deprecated") or {}).get("replacement")


def changes(old, new):
    """Per command, what changed from full release `old` to `new`:
    {command: {"added", "removed", "renamed" [(old, new)], "deprecated", "undeprecated",
               "choices_added" {flag: [...]}, "choices_removed" {flag: [...]}, "aliases_removed" {flag: [...]}}}.

    "renamed": an option gone whose place a new one takes, known from the engine itself (the old
    option's deprecation named the new one as its replacement) or, failing that, a new option with the
    same kind of value, choices and default under a close name (one candidate only)."""
    out = {}
    for name in sorted(set(old["commands"]) | set(new["commands"])):
        before = {o["names"][0]: o for o in old["commands"].get(name, {"options": []})["options"]}
        after = {o["names"][0]: o for o in new["commands"].get(name, {"options": []})["options"]}
        names_after = {n: key for key, o in after.items() for n in o["names"]}
        removed = sorted(k for k in before if k not in after and k not in names_after)
        added = sorted(k for k in after if k not in before and not set(after[k]["names"]) & set(before))
        renamed = []
        for key in list(removed):
            repl = (before[key].get("deprecated") or {}).get("replacement", "")
            target = repl if repl in added else None
            if target is None and before[key].get("choices") and before[key]["nargs"] != 0:
                # No word from the engine: only an option with the very same choices, type and default
                # under a name one token apart (`--nsa-x` → `--dsa-x`), and no other candidate.
                close = [a for a in added if _shape(after[a]) == _shape(before[key]) and _one_token_apart(key, a)]
                target = close[0] if len(close) == 1 else None
            if target:
                renamed.append((key, target))
        for a, b in renamed:
            removed.remove(a)
            added.remove(b)
        entry = {"added": added, "removed": removed, "renamed": renamed, "deprecated": [], "undeprecated": [],
                 "choices_added": {}, "choices_removed": {}, "aliases_removed": {}}
        for key, opt in after.items():
            prev = before.get(key) or before.get(next((r[0] for r in renamed if r[1] == key), ""), None)
            if prev is None:
                if opt.get("deprecated"):
                    entry["deprecated"].append(key)
                continue
            if opt.get("deprecated") and not prev.get("deprecated"):
                entry["deprecated"].append(key)
            if prev.get("deprecated") and not opt.get("deprecated"):
                entry["undeprecated"].append(key)
            old_c, new_c = prev.get("choices") or [], opt.get("choices") or []
            if old_c and new_c:
                if [c for c in new_c if c not in old_c]:
                    entry["choices_added"][key] = [c for c in new_c if c not in old_c]
                if [c for c in old_c if c not in new_c]:
                    entry["choices_removed"][key] = [c for c in old_c if c not in new_c]
            lost = [n for n in prev["names"] if n not in opt["names"]]
            if lost and key in before:
                entry["aliases_removed"][key] = lost
        if any(entry.values()):
            out[name] = entry
    return out
