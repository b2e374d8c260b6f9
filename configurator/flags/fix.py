"""A corrected command, offered only where every change is certain.

Certain means the engine data says exactly what to write instead: an abbreviation spelled
out; a deprecated flag whose replacement is one option with the same kind of value; a
deprecated choice renamed with nothing else implied; `--old` replaced as the engine's own
text describes (`Use --attn-dp-size <dp-size> instead of --dp-size <dp-size> --enable-dp-attention`).
The corrected text keeps the reader's layout, changing only those words, and is checked again
before it is offered.
"""

import difflib
import re


def _plain_flag(opts, text):
    opt = opts.by_name.get(text) if re.fullmatch(r"--[A-Za-z0-9][\w.-]*", text or "") else None
    return opt


def edits_for(result, opts):
    """[(line, old word, new text)], [descriptions] — or None if some change would be a guess."""
    edits, changes, seen, touched = [], [], result["seen"], set()
    for p in result["problems"]:
        if p["kind"] == "deprecated" and p["option"] in seen:
            found = _deprecation_edits(p, opts, seen)
            if found is None:
                continue  # shown as a warning; no certain rewrite
            edits += found[0]
            changes.append(found[1])
            touched |= {(line, (old if isinstance(old, str) else old[0]).split("=")[0]) for line, old, _ in found[0]}
    for p in result["problems"]:
        if p["kind"] == "abbreviation" and (p["line"], p["flag"]) not in touched:
            edits.append((p["line"], p["flag"], p["option"]))
            changes.append(f"{p['flag']} → {p['option']} (spelled out)")
    return edits, changes


def _deprecation_edits(p, opts, seen):
    opt = opts.by_name[p["option"]]
    word, line, values = seen[p["option"]][0]
    dep = opt.get("deprecated")
    if dep is None:  # a deprecated choice value
        for value in values:
            dv = opt.get("deprecated_values", {}).get(value)
            if dv and dv.get("replacement") and not dv.get("also") and "=" not in word:
                return [(line, value, dv["replacement"])], f"{value} → {dv['replacement']}"
        return None
    repl = dep.get("replacement", "")
    new = _plain_flag(opts, repl)
    if new is not None and new["nargs"] == opt["nargs"] and new["names"][0] not in seen:
        head = word.split("=")[0]
        return [(line, head, repl)], f"{head} → {repl}"
    moved = re.fullmatch(r"(--[\w-]+) <([\w-]+)>", repl)
    if moved and opt["nargs"] == 0 and f"--{moved.group(2)} <{moved.group(2)}>" in dep.get("message", ""):
        source = opts.by_name.get(f"--{moved.group(2)}")
        uses = seen.get(source["names"][0]) if source else None
        if uses and len(uses) == 1 and len(uses[0][2]) == 1 and _plain_flag(opts, moved.group(1)):
            src_word, src_line, (value,) = uses[0]
            # The flag and its value go as one `--dp 8`: the same value may stand elsewhere on the line.
            drop = [(src_line, src_word if "=" in src_word else (src_word, value), "")]
            return drop + [(line, word, f"{moved.group(1)} {value}")], \
                f"{src_word.split('=')[0]} {value} {word} → {moved.group(1)} {value}"
    return None


def _apply(lines, first, last, edits):
    out = list(lines[first - 1:last])
    for line, old, new in edits:
        i = line - first
        words = old if isinstance(old, tuple) else (old,)
        pattern = r"(?<!\S)" + r"\s+".join(map(re.escape, words)) + r"(?!\S)"
        if not (0 <= i < len(out)) or not re.search(pattern, out[i]):
            return None  # the word is quoted or split oddly: not certain where it is
        out[i] = re.sub(pattern, new.replace("\\", r"\\"), out[i], count=1)
        out[i] = re.sub(r"(?<=\S)  +(?=\S)", " ", out[i]).rstrip()
    kept = [l for l in out if l.strip() not in ("", "\\")]
    if kept:
        kept[-1] = re.sub(r"\s*\\\s*\Z", "", kept[-1])
    return kept


def fixed_command(result, lines, checker):
    if not result["ok"] or result["engine"] is None:
        return None
    opts = checker.engines[result["engine"]]["commands"][result["command"]]
    edits, changes = edits_for(result, opts)
    if not edits:
        return None
    before = lines[result["first"] - 1:result["last"]]
    after = _apply(lines, result["first"], result["last"], edits)
    if after is None:
        return None
    again = checker.check_text("\n".join(after))["commands"]
    fixed_kinds = {"abbreviation"} | ({"deprecated"} if changes else set())
    if len(again) != 1 or not again[0]["ok"] or len(again[0]["problems"]) >= len(result["problems"]):
        return None
    still = {(p["kind"], p["option"]) for p in again[0]["problems"]}
    if any(k == "abbreviation" for k, _ in still) and "abbreviation" in fixed_kinds:
        return None
    diff = "\n".join(difflib.unified_diff(before, after, "pasted", "corrected", lineterm="", n=max(len(before), 1)))
    return {"command": "\n".join(after), "diff": diff, "changes": changes}
