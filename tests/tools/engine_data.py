"""Refresh the engine data and the corpus verdicts from a real engine release (opt-in: needs
PyPI, about 8 GB for torch, and a few minutes; not part of `python3 dev.py test`).

    python3 dev.py engine-data sglang==0.5.23 [--env DIR] [--torch-env DIR] [--keep]
    python3 dev.py engine-data vllm==0.33.0 --env ~/.cache/servebook-engines/venv-vllm

Without --env it installs the release into a throwaway virtual environment (no GPU needed:
the package set is the known-good one of ../shared/tools/engines/setup.sh; torch is shared
through a .pth file, from --torch-env or a throwaway one). Then, inside that environment,
tests/tools/engine_probe.py

1. dumps what the engine's parsers declare → configurator/flags/engine_data/<engine>-<release>.json
   (stored in its engine's chain: the oldest release in full, each later one as a delta against
   the one before, configurator/flags/release_data.py; adding an older release rewrites the next delta)
2. runs the corpus (tests/data/engine_corpus.txt plus commands generated from the data:
   the seed's 56, every deprecated flag and value, typos, abbreviations, bad values) through
   the real entry points → tests/data/engine_verdicts/<engine>-<release>.json

Moving to a new release is this one command plus reviewing the two diffs. `--verdicts-only`
re-records the verdicts of a stored release (after a corpus change). Older releases load with
fallbacks in engine_probe.py (sglang 0.5.9: `sglang serve` as its cli/serve.py parses it; vllm
0.19: cli_args and the parser checks where that release keeps them).
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from configurator.flags import release_data  # noqa: E402  (standard library only)
PROBE = ROOT / "tests" / "tools" / "engine_probe.py"
DATA_DIR = ROOT / "configurator" / "flags" / "engine_data"
VERDICTS = ROOT / "tests" / "data" / "engine_verdicts"
CORPUS = ROOT / "tests" / "data" / "engine_corpus.txt"
GOLDEN = ROOT / "tests" / "data" / "kimi-k2.7-code.sglang.golden.json"
SNIPPETS = ROOT / "tests" / "data" / "seed_snippets.json"

TORCH = "torch==2.14.1"
# ../shared/tools/engines/setup.sh: the engine with --no-deps, then what its CLI imports.
DEPS = {
    "sglang": ["torchvision==0.29.1", "--", "msgspec", "numpy", "packaging", "psutil", "requests", "pydantic",
               "pyzmq", "orjson", "regex", "tqdm", "pybase64", "setproctitle", "partial_json_parser",
               "python-dateutil", "distro", "pillow", "fastapi", "aiohttp", "uvicorn", "IPython",
               "huggingface_hub", "transformers==5.19.0", "dill", "apache-tvm-ffi==0.1.11", "sentencepiece",
               "compressed-tensors", "gguf", "pyyaml",
               "openai"],
    "vllm": ["--", "regex", "cachetools", "psutil", "sentencepiece", "numpy", "requests", "tqdm", "blake3",
             "py-cpuinfo", "transformers<5.21.0,>=5.16.1", "huggingface_hub", "tokenizers", "safetensors",
             "protobuf", "fastapi[standard]<0.137.0,>=0.133.0", "starlette", "aiohttp", "multidict", "openai",
             "pydantic", "orjson", "prometheus_client", "pillow", "prometheus-fastapi-instrumentator",
             "tiktoken", "lm-format-enforcer==0.11.3", "llguidance<1.8.0,>=1.7.0", "outlines_core==0.2.14",
             "lark==1.2.2", "typing_extensions", "filelock", "partial-json-parser", "jsonschema", "pyzmq",
             "msgspec", "mistral_common[image]>=1.11.6", "opencv-python-headless", "pyyaml", "einops",
             "cloudpickle", "watchfiles", "python-json-logger", "pybase64", "cbor2", "ijson", "setproctitle",
             "oss-harmony", "anthropic", "model-hosting-container-standards<1.0.0,>=0.1.14", "mcp<3.0.0,>=2.2.0",
             "opentelemetry-sdk", "opentelemetry-api", "opentelemetry-exporter-otlp",
             "opentelemetry-semantic-conventions-ai", "uvloop", "xgrammar==0.2.8", "compressed-tensors==0.17.0",
             "depyf==0.20.0"],
}


def pip(python, *args):
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], check=True)


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def install(engine: str, version: str, where: Path, torch_env: Path | None) -> Path:
    """A throwaway environment with the engine's CLI importable (no GPU, no CUDA at run time)."""
    if torch_env is None:
        torch_env = where / "venv-torch"
        subprocess.run([sys.executable, "-m", "venv", str(torch_env)], check=True)
        pip(torch_env / "bin" / "python", TORCH)
    venv = where / f"venv-{engine}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (site_packages(venv) / "zz_torch_base.pth").write_text(str(site_packages(torch_env)) + "\n")
    constraints = where / "constraints.txt"
    constraints.write_text(TORCH + "\n")
    split = DEPS[engine].index("--")
    python = venv / "bin" / "python"
    pip(python, "--no-deps", f"{engine}=={version}", *DEPS[engine][:split])
    pip(python, "-c", str(constraints), *DEPS[engine][split + 1:])
    return venv


def probe(python: Path, engine: str, mode: str, stdin: str = "") -> object:
    with tempfile.TemporaryDirectory() as cwd:
        # A file the corpus names for options that take one (the real parser opens it).
        (Path(cwd) / "logging.json").write_text('{"version": 1}\n')
        done = subprocess.run([str(python), str(PROBE), engine, mode], input=stdin, capture_output=True,
                              text=True, cwd=cwd)
    if done.returncode != 0:
        sys.exit(f"engine_probe.py {engine} {mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def write_data(data: dict) -> Path:
    """Store the release in its engine's chain: the oldest in full, each later one as a delta
    against the one before (configurator/flags/release_data.py), so a new release adds only what changed."""
    engine = data["engine"]
    with _locked(Path(tempfile.gettempdir()) / f"servebook-engine-data-{engine}.lock"):
        return _write_chain(engine, data)


@contextlib.contextmanager
def _locked(path):
    """Two refreshes of one engine at once (one release each) must not overwrite each other's chain."""
    import fcntl
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _write_chain(engine, data):
    releases = {d["release"]: d for d in release_data.expand(release_data.chain(engine))} if release_data.stored().get(engine) else {}
    releases[data["release"]] = data
    ordered = [releases[r] for r in sorted(releases, key=release_data.version_key)]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for i, full in enumerate(ordered):
        path = DATA_DIR / f"{engine}-{full['release']}.json"
        path.write_text(release_data.dump(release_data.diff(ordered[i - 1], full) if i else full), encoding="utf-8")
        json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_json)  # strict JSON, as browsers read it
    assert release_data.expand(release_data.chain(engine))[-1] == ordered[-1]
    return DATA_DIR / f"{engine}-{data['release']}.json"


def _not_json(name):
    raise ValueError(f"{name} is not JSON")


ENTRY = {"sglang": r"(\S+=\S+ )*(sglang serve|python3? -m sglang\.launch_server)\b", "vllm": r"(\S+=\S+ )*vllm\b"}


def corpus(data: dict) -> list[str]:
    """Hand-written commands for this engine, then ones generated from the seeds and the data."""
    engine = data["engine"]
    text = re.sub(r"\\\n\s*", "", CORPUS.read_text(encoding="utf-8"))
    picked = []
    for line in text.splitlines():
        tag, _, command = line.partition(" ")
        if tag == f"[{engine}]":
            picked.append(command.strip())
    if engine == "sglang":
        picked += [row["command"].replace(" \\\n  ", " ") for row in json.loads(GOLDEN.read_text())]
    for snippet in json.loads(SNIPPETS.read_text())["snippets"]:
        flat = snippet["text"].replace(" \\\n  ", " ")
        # Only what the engine's entry points read (not e.g. `python3 -m sglang.bench_serving`).
        if re.match(ENTRY[engine], flat) or (engine == "vllm" and "vllm/vllm-openai" in flat):
            picked.append(flat)
    head = {"sglang": "sglang serve --model-path m", "vllm": "vllm serve m"}[engine]
    for name, command in sorted(data["commands"].items()):
        base = head if name == "serve" else "vllm bench serve --model m"
        for opt in command["options"]:
            flag = next((n for n in opt["names"] if n.startswith("--")), opt["names"][0])
            value = "" if opt["nargs"] == 0 else " " + (opt.get("choices") or ["1"])[0]
            if flag.endswith("-file"):
                value = " logging.json"
            if opt.get("deprecated"):
                # `vllm serve --model M` is the deprecated way to name the model itself.
                picked.append(f"vllm serve {flag} m" if (engine, flag) == ("vllm", "--model") else f"{base} {flag}{value}")
            for old in sorted(opt.get("deprecated_values", {})):
                picked.append(f"{base} {flag} {old}")
    return list(dict.fromkeys(picked))  # unique, in order


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 dev.py engine-data", description=__doc__.splitlines()[0])
    ap.add_argument("release", help="engine==version, e.g. sglang==0.5.23 or vllm==0.33.0")
    ap.add_argument("--env", type=Path, help="an existing environment with that release (skips the install)")
    ap.add_argument("--torch-env", type=Path, help="an environment with torch to share (skips installing torch)")
    ap.add_argument("--keep", action="store_true", help="keep the throwaway environment")
    ap.add_argument("--verdicts-only", action="store_true",
                    help="keep the stored engine data of that release; only record the corpus verdicts again")
    args = ap.parse_args(argv)
    engine, _, version = args.release.partition("==")
    if engine not in DEPS or not version:
        ap.error("give engine==version with engine sglang or vllm")
    where = None
    if args.env is None:
        where = Path(tempfile.mkdtemp(prefix=f"servebook-{engine}-"))
        print(f"installing {engine}=={version} into {where} (throwaway)", flush=True)
        venv = install(engine, version, where, args.torch_env)
    else:
        venv = args.env
    try:
        python = venv / "bin" / "python"
        if args.verdicts_only:
            data = next(d for d in release_data.expand(release_data.chain(engine)) if d["release"] == version)
        else:
            data = probe(python, engine, "dump")
            if data["release"] != version:
                sys.exit(f"{venv} has {engine} {data['release']}, not {version}")
            print(f"wrote {write_data(data).relative_to(ROOT)}", flush=True)
        commands = corpus(data)
        verdicts = probe(python, engine, "judge", json.dumps(commands))
        rows = [{"command": c, "ok": v["ok"], "fault": v["fault"], "error": v["error"],
                 "deprecations": [w for w in v["warnings"] if re.search(r"deprecat|will be removed", w, re.I)]}
                for c, v in zip(commands, verdicts)]
        VERDICTS.mkdir(parents=True, exist_ok=True)
        path = VERDICTS / f"{engine}-{version}.json"
        path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}: {len(rows)} commands, "
              f"{sum(not r['ok'] for r in rows)} rejected by the real parser", flush=True)
    finally:
        if where is not None and not args.keep:
            shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
