"""The `bench serving` command of an SGLang engine data file, from an SGLang wheel.

`python3 -m sglang.bench_serving` (sglang/benchmark/serving.py, cli_main) builds its argparse
parser and parses at once, so `dev.py engine-data` cannot ask the live parser the way it asks
`sglang serve`'s; this reads the same add_argument calls from the source's syntax tree (nothing
of SGLang is imported) and writes them in the engine data's shape (names, nargs, type, choices,
simple defaults) into the given data file:

    pip download sglang==0.5.23 --no-deps -d /tmp/w
    python3 tests/tools/sglang_bench_flags.py /tmp/w/sglang-0.5.23-*.whl configurator/flags/engine_data/sglang-0.5.23.json
"""

import ast
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_data import write_data  # noqa: E402  (the data files' one layout)

TYPES = ("int", "float", "str")


def bench_options(source):
    tree = ast.parse(source)
    # Dict literals at module level, for `choices=list(ASYNC_REQUEST_FUNCS.keys())`.
    dicts = {t.id: [k.value for k in node.value.keys]
             for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
             for t in node.targets if isinstance(t, ast.Name)}
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "cli_main")
    options = []
    for call in ast.walk(main):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "add_argument"):
            continue
        kw = {k.arg: k.value for k in call.keywords}
        action = ast.unparse(kw["action"]).strip("'\"") if "action" in kw else "store"
        entry = {"names": [a.value for a in call.args if isinstance(a, ast.Constant)],
                 "nargs": 0 if action in ("store_true", "store_false") else 1}
        if "nargs" in kw:
            entry["nargs"] = ast.literal_eval(kw["nargs"])
        if entry["nargs"] != 0:
            kind = ast.unparse(kw["type"]) if "type" in kw else "str"
            entry["type"] = kind if kind in TYPES else "other"
            if "choices" in kw:
                node = kw["choices"]
                entry["choices"] = sorted(str(c) for c in (
                    ast.literal_eval(node) if isinstance(node, ast.List)
                    else dicts[re.search(r"[A-Z_]{4,}", ast.unparse(node)).group(0)]))
        if action in ("append", "extend", "count"):
            entry["repeatable"] = True
        if isinstance(kw.get("default"), ast.Constant) and kw["default"].value not in (None, ""):
            entry["default"] = kw["default"].value
        options.append(entry)
    return {"allow_abbrev": True, "options": sorted(options, key=lambda o: o["names"][0])}


if __name__ == "__main__":
    wheel, data_file = sys.argv[1:3]
    with zipfile.ZipFile(wheel) as z:
        command = bench_options(z.read("sglang/benchmark/serving.py").decode())
    with open(data_file, encoding="utf-8") as f:
        data = json.load(f)
    release = re.search(r"sglang-([0-9][^-]*)-", wheel).group(1)
    assert data["engine"] == "sglang" and data["release"] == release, (data_file, release)
    data["commands"]["bench serving"] = command
    print(write_data(data))
