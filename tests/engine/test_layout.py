"""Layout as data: where the environment goes, indentation, arguments sharing a line,
program words with flags and placeholders, `~/` paths, and item ids like `0.8b`."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from configurator import SpecError, load_spec, resolve

from test_engine import HW, arg, field, item, make, radio, spec_dict, split

# Seed 001 (Lambda's vLLM guide), its docker command exactly as published.
SEED_001_DOCKER = """docker run -d --gpus all \\
--ipc=host -p 8000:8000 \\
-v ~/.cache/huggingface:/root/.cache/huggingface \\
vllm/vllm-openai:nightly-e312c5cb25427e76fc3830ab14e7b6bc0963a55c \\
--model moonshotai/Kimi-K2.7-Code \\
--served-model-name kimi-k2.7-code \\
--tensor-parallel-size 8 \\
--trust-remote-code \\
--mm-encoder-tp-mode data \\
--tool-call-parser kimi_k2 \\
--reasoning-parser kimi_k2 \\
--enable-auto-tool-choice"""


def docker_spec():
    data = spec_dict(
        options=[radio("hw", [item("b200", default=True)])],
        program="docker run -d --gpus all",
        args=[
            arg("--ipc=host"),
            arg("-p", "8000:8000", **{"same-line": True}),
            arg("-v", "~/.cache/huggingface:/root/.cache/huggingface"),
            arg(value="vllm/vllm-openai:nightly-e312c5cb25427e76fc3830ab14e7b6bc0963a55c"),
            arg("--model", "{model}"),
            arg("--served-model-name", "kimi-k2.7-code"),
            arg("--tensor-parallel-size", "8"),
            arg("--trust-remote-code"),
            arg("--mm-encoder-tp-mode", "data"),
            arg("--tool-call-parser", "kimi_k2"),
            arg("--reasoning-parser", "kimi_k2"),
            arg("--enable-auto-tool-choice"),
        ],
    )
    data["model"] = "moonshotai/Kimi-K2.7-Code"
    data["command"]["layout"] = {"indent": 0}
    return load_spec(data, source="t.yaml")


def test_seed_001_docker_command_byte_for_byte():
    view = resolve(docker_spec())
    assert view["command"] == SEED_001_DOCKER
    assert view["argv"] == split(SEED_001_DOCKER)
    assert view["argv"][:8] == ["docker", "run", "-d", "--gpus", "all", "--ipc=host", "-p", "8000:8000"]


def test_seed_001_docker_command_is_in_the_seed():
    seeds = [p for p in ("/work/shared/seeds",) if os.path.isdir(p)]
    if not seeds:
        pytest.skip("seed files not available")
    found = [n for n in os.listdir(seeds[0]) if n.startswith("001_")]
    text = open(os.path.join(seeds[0], found[0]), encoding="utf-8").read()
    assert SEED_001_DOCKER in text


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_home_prefix_is_expanded_by_the_shell_and_nothing_else_is(tmp_path):
    dumper = tmp_path / "argdump"
    dumper.write_text(f"#!{sys.executable}\nimport sys\nprint(*sys.argv[1:], sep='\\n')\n")
    dumper.chmod(0o755)
    if not re.fullmatch(r"[\w@%+=:,./-]+", str(dumper), re.ASCII):
        pytest.skip("temporary path is not a plain shell word")
    spec = make(options=[field("dir")], program=str(dumper),
                args=[arg("-v", "~/.cache:/root/.cache"), arg(value="~/{dir}")])
    view = resolve(spec, {"dir": "$(id) ~x"})
    assert view["command"] == f"{dumper} \\\n  -v ~/.cache:/root/.cache \\\n  ~/'$(id) ~x'"
    home = str(tmp_path)
    done = subprocess.run(["sh", "-c", view["command"]], capture_output=True, text=True,
                          env={"HOME": home, "PATH": os.environ.get("PATH", "")}, timeout=30)
    assert done.stdout.splitlines() == ["-v", f"{home}/.cache:/root/.cache", f"{home}/$(id) ~x"]
    # Without a shell (shlex), argv keeps the author's ~/ as written.
    assert view["argv"][-1] == "~/$(id) ~x" and split(view["command"]) == view["argv"]


def test_env_on_the_program_line():
    env = [{"name": "SGLANG_USE_AITER", "value": "0"}, {"name": "B", "value": "{hw.tp}", "when": {"hw.vendor": "amd"}}]
    spec = layout_spec({"env": "program-line"}, program="python -m sglang.launch_server", env=env,
                       args=[arg("--model-path", "{model}"), arg("--tp", "{hw.tp}")])
    assert resolve(spec)["command"] == (
        "SGLANG_USE_AITER=0 python -m sglang.launch_server \\\n  --model-path org/model \\\n  --tp 8")
    view = resolve(spec, {"hw": "mi300x"})
    assert view["command"].startswith("SGLANG_USE_AITER=0 B=8 python -m sglang.launch_server \\\n")
    assert view["argv"][:4] == ["SGLANG_USE_AITER=0", "B=8", "python", "-m"]


def layout_spec(layout=None, args=None, env=None, program="sglang serve"):
    data = spec_dict(options=[HW], program=program, args=args, env=env)
    if layout is not None:
        data["command"]["layout"] = layout
    return load_spec(data, source="t")


def test_default_layout_is_the_seeds():
    spec = layout_spec(env=[{"name": "E", "value": "1"}], args=[arg("--a", "1"), arg("--b")])
    assert resolve(spec)["command"] == "E=1 \\\nsglang serve \\\n  --a 1 \\\n  --b"
    explicit = layout_spec({"indent": 2, "env": "own-line"}, env=[{"name": "E", "value": "1"}], args=[arg("--a", "1"), arg("--b")])
    assert resolve(explicit)["command"] == resolve(spec)["command"]


@pytest.mark.parametrize("indent", [0, 1, 4, 8])
def test_indent(indent):
    spec = layout_spec({"indent": indent}, args=[arg("--a", "1"), arg("--b")])
    assert resolve(spec)["command"] == f"sglang serve \\\n{' ' * indent}--a 1 \\\n{' ' * indent}--b"


def test_first_argument_on_the_program_line_and_two_flags_on_one_line():
    same = {"same-line": True}
    spec = layout_spec(args=[
        arg("--model-path", "{model}", **same),
        arg("--tp", "{hw.tp}", when={"hw": "gb200"}),
        arg("--host", "0.0.0.0"), arg("--port", "30000", **same),
    ])
    assert resolve(spec)["command"] == "sglang serve --model-path org/model \\\n  --host 0.0.0.0 --port 30000"
    view = resolve(spec, {"hw": "gb200"})
    assert view["command"] == "sglang serve --model-path org/model \\\n  --tp 4 \\\n  --host 0.0.0.0 --port 30000"
    assert view["argv"] == split(view["command"])
    explained = resolve(layout_spec(args=[arg("--a", why="A."), arg("--b", "1", why="B.", **same)]))
    assert [e["code"] for e in explained["explanations"]] == ["--a", "--b 1"]


def test_same_line_joins_whatever_line_is_above_when_its_neighbour_is_absent():
    same = {"same-line": True}
    spec = layout_spec(args=[arg("--a"), arg("--amd", when={"hw.vendor": "amd"}), arg("--c", **same)])
    assert resolve(spec)["command"] == "sglang serve \\\n  --a --c"
    assert resolve(spec, {"hw": "mi300x"})["command"] == "sglang serve \\\n  --a \\\n  --amd --c"
    first = layout_spec(args=[arg("--amd", when={"hw.vendor": "amd"}), arg("--c", **same)])
    assert resolve(first)["command"] == "sglang serve --c"


def test_program_with_placeholders():
    spec = layout_spec(program="vllm serve {model}", args=[arg("--tp", "{hw.tp}")])
    assert resolve(spec)["command"] == "vllm serve org/model \\\n  --tp 8"
    assert resolve(spec)["argv"][:3] == ["vllm", "serve", "org/model"]
    by_option = layout_spec(program="run-{hw} --tp={hw.tp}", args=[])
    assert resolve(by_option, {"hw": "gb200"})["command"] == "run-gb200 --tp=4"


def test_item_ids_may_start_with_a_digit_and_contain_dots():
    size = radio("size", [item("0.8b", default=True, facts={"path": "org/m-0.8B"}), item("120b", facts={"path": "org/m-120B"}),
                          item("1.5-b_x", facts={"path": "org/m-x"})])
    spec = make(options=[size, radio("q", [item("fp8", default=True), item("fp4", disabled={"size": "0.8b"}, reason="Too small.")])],
                args=[arg("--model", "{size.path}"), arg("--big", when={"size": ["120b"]}), arg("--q", "{q}")])
    assert resolve(spec)["command"] == "serve \\\n  --model org/m-0.8B \\\n  --q fp8"
    view = resolve(spec, {"size": "120b", "q": "fp4"})
    assert view["command"] == "serve \\\n  --model org/m-120B \\\n  --big \\\n  --q fp4"
    assert view["query"] == {"size": "120b", "q": "fp4"}
    refused = resolve(spec, {"size": "0.8b", "q": "fp4"})
    assert refused["ignored"] == [{"key": "q", "value": "fp4", "reason": "FP4 is unavailable: Too small."}]


# --- spec errors naming the file and the field ------------------------------------------------

def error_of(data):
    with pytest.raises(SpecError) as err:
        load_spec(data, source="specs/x.yaml")
    # One line per problem (a spec may have several; the first in the file comes first).
    assert str(err.value).splitlines() == [f"specs/x.yaml: {w}: {p}" for w, p in err.value.problems]
    assert err.value.problems[0] == (err.value.where, err.value.problem)
    return err.value.where, err.value.problem


def with_command(**command):
    data = spec_dict(options=[HW, radio("extra", [item("a")], when={"hw": "h100"})])
    data["command"].update(command)
    return data


@pytest.mark.parametrize("command,where,phrase", [
    ({"layout": {"indent": 9}}, "command.layout.indent", "from 0 to 8"),
    ({"layout": {"indent": "  "}}, "command.layout.indent", "number of spaces"),
    ({"layout": {"indent": True}}, "command.layout.indent", "number of spaces"),
    ({"layout": {"env": "inline"}}, "command.layout.env", "own-line, program-line"),
    ({"layout": {"envs": "inline"}}, "command.layout.envs", "unknown field"),
    ({"layout": "compact"}, "command.layout", "expected a mapping"),
    ({"args": [arg("--a", **{"same-line": "yes"})]}, "command.args[0].same-line", "expected true or false"),
    ({"env": [{"name": "A", "value": "1", "same-line": True}]}, "command.env[0].same-line", "unknown field"),
    ({"program": "serve {extra}"}, "command.program", "placeholder {extra} may have no value"),
    ({"program": "serve {gpu}"}, "command.program", "no option 'gpu'"),
    ({"program": "serve a;b"}, "command.program", "'a;b' is not a plain shell word"),
    ({"program": "serve ~root"}, "command.program", "is not a plain shell word"),
    ({"args": [arg("-v", "a~/b")]}, "command.args[0].value", "needs shell quoting"),
    ({"args": [arg("-v", "~root/b")]}, "command.args[0].value", "needs shell quoting"),
    ({"args": [arg("--ipc=a b")]}, "command.args[0].flag", "bad flag"),
    ({"args": [arg("--ipc=$(x)")]}, "command.args[0].flag", "bad flag"),
])
def test_layout_spec_errors(command, where, phrase):
    got_where, problem = error_of(with_command(**command))
    assert got_where == where and phrase in problem, problem


def test_program_placeholder_of_an_option_whose_items_can_all_be_disabled():
    hw = radio("hw", [item("a", default=True, disabled={"q": "x"}, reason="R."), item("b", disabled={"q": "y"}, reason="R.")])
    data = spec_dict(options=[radio("q", [item("x"), item("y")]), hw], program="serve {hw}", args=[])
    assert error_of(data)[0] == "command.program"


@pytest.mark.parametrize("bad,phrase", [("FP8", "bad id 'FP8'"), (".8b", "bad id '.8b'"), ("a|b", "bad id"),
                                        ("a,b", "bad id"), (120, "quote it in YAML"), (0.8, "quote it in YAML")])
def test_bad_item_ids(bad, phrase):
    data = spec_dict(options=[radio("hw", [item("ok"), {"id": bad, "label": "X"}])])
    where, problem = error_of(data)
    assert where.endswith(".id") and where.startswith("options.hw.items") and phrase in problem, problem


def test_option_ids_still_start_with_a_letter():
    # Option ids appear inside placeholders ({option.fact}); a dot there would be ambiguous.
    assert error_of(spec_dict(options=[radio("0.8b", [item("a")])]))[0] == "options.0.8b.id"
