"""Runs INSIDE an engine's own environment (sglang or vllm from PyPI, no GPU), driven by
tests/tools/engine_data.py. Everything it reports comes from the engine's own code.

    python engine_probe.py sglang dump          → the engine data (JSON) on stdout
    python engine_probe.py vllm judge < cmds    → the real parser's verdicts (JSON) on stdout

`judge` reads a JSON list of command texts and runs each through the engine's real
entry point (`sglang serve`, `python -m sglang.launch_server`, `vllm serve`,
`vllm bench serve`); only what would start servers, load models or exec binaries is
replaced by a no-op. Verdict: {"ok", "error", "fault", "warnings"}; `fault` is the option
argparse names in its error (its first option string), or the unrecognised word.
"""

import argparse
import contextlib
import inspect
import io
import json
import logging
import math
import os
import re
import shlex
import sys
import warnings

warnings.filterwarnings("ignore")
ENGINE = sys.argv[1]
if ENGINE == "sglang":  # never fetch a model (vLLM's serve path needs the hub's own offline fallback)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
IMAGES = {"sglang": ["lmsysorg/sglang"], "vllm": ["vllm/vllm-openai", "vllm/vllm-openai-rocm"]}
# Values tried on each option's `type` to learn what it accepts (see _value_type).
SAMPLES = ["8", "-1", "0", "0.5", "1e3", "eight", "None", "", "32k", "{}", "true"]
DEPRECATED = set()


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001
            text = str(record.msg)
        self.lines.append(re.sub(r"\x1b\[[0-9;]*m", "", text))


@contextlib.contextmanager
def captured(loggers):
    out, err, handler = io.StringIO(), io.StringIO(), Records()
    for name in loggers:
        logging.getLogger(name).addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield err, handler
    finally:
        for name in loggers:
            logging.getLogger(name).removeHandler(handler)


@contextlib.contextmanager
def environ(extra):
    saved = dict(os.environ)
    os.environ.update(extra)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- loading the engine without a GPU ------------------------------------------------------

if ENGINE == "sglang":
    with captured(["sglang"]):
        import sglang
        import sglang.launch_server as sg_launch
        from sglang.srt import environ as sg_environ
        from sglang.srt.server_args import ServerArgs
        try:  # newer releases only; older ones have no plugins, and `sglang serve` imports diffusion
            from sglang.srt.plugins import load_plugins
            import sglang.cli.main as sg_main
            import sglang.cli.serve as sg_serve
        except ImportError:
            load_plugins = sg_main = sg_serve = None
    VERSION = sglang.__version__
    LOGGERS = ["sglang"]
    _got = {}
    sg_launch.run_server = lambda server_args: _got.__setitem__("server_args", server_args)
    if sg_serve is not None:
        sg_serve.kill_process_tree = lambda *a, **k: None
        sg_serve._run_diffusion = lambda request: _got.__setitem__("diffusion", request)
else:
    with captured(["vllm"]):
        import vllm
        import vllm.platforms as vplat
        from vllm.platforms.interface import UnspecifiedPlatform

        class CudaLike(UnspecifiedPlatform):
            # Without a GPU vLLM picks a platform whose empty device type breaks
            # `vllm serve`'s parser; a CUDA machine reports "cuda".
            device_name = device_type = "cuda"

        vplat._current_platform = CudaLike()
        import vllm.entrypoints.cli.benchmark.main as v_bench_main
        import vllm.entrypoints.cli.main as v_main
        import vllm.entrypoints.cli.serve as v_serve
        from vllm import envs as v_envs
        from vllm.entrypoints.cli.types import CLISubcommand
        try:
            from vllm.entrypoints.common import cli_args as v_cli_args
        except ImportError:  # releases before the move (0.19)
            from vllm.entrypoints.openai import cli_args as v_cli_args
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.reasoning import ReasoningParserManager
        from vllm.tool_parsers import ToolParserManager
        for _m in ("collect_env", "download_kernels", "launch", "openai", "preload", "run_batch",
                   "serve", "snapshot"):
            try:
                __import__(f"vllm.entrypoints.cli.{_m}")
            except ModuleNotFoundError as _exc:  # a subcommand this release does not have
                if _exc.name != f"vllm.entrypoints.cli.{_m}":
                    raise
        if hasattr(v_bench_main, "_import_bench_subcommand_modules"):
            v_bench_main._import_bench_subcommand_modules()
    VERSION = vllm.__version__
    LOGGERS = ["vllm"]
    _got = {}

    def _subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from _subclasses(sub)

    def _capture(name):
        return staticmethod(lambda args: _got.update(args=args, dispatched=name))

    for _cls in set(_subclasses(CLISubcommand)):
        if "cmd" in _cls.__dict__ and _cls is not v_serve.ServeSubcommand:
            _cls.cmd = _capture(_cls.__name__)
    _serve_cmd = v_serve.ServeSubcommand.cmd

    def _serve(args):
        _got.update(args=args, dispatched="ServeSubcommand")
        _serve_cmd(args)

    v_serve.ServeSubcommand.cmd = staticmethod(_serve)

    class _NoLoop:
        @staticmethod
        def run(coro):
            coro.close()

    v_serve.uvloop = _NoLoop
    for _name in ("run_headless", "run_multi_api_server", "run_dp_supervisor"):
        setattr(v_serve, _name, lambda *a, **k: None)
    v_bench_main.maybe_exec_rust_bench = lambda: None


def parsers():
    """{command name: argparse parser} exactly as the engine builds them."""
    with captured(LOGGERS):
        if ENGINE == "sglang":
            p = argparse.ArgumentParser(prog="sglang serve")
            ServerArgs.add_cli_args(p)
            return {"serve": p}
        from vllm.benchmarks.serve import add_cli_args
        from vllm.utils.argparse_utils import FlexibleArgumentParser
        serve = v_cli_args.make_arg_parser(FlexibleArgumentParser(prog="vllm serve"))
        bench = FlexibleArgumentParser(prog="vllm bench serve")
        add_cli_args(bench)
        return {"serve": serve, "bench serve": bench}


# --- dump ---------------------------------------------------------------------------------

def _value_type(action):
    """(int / float / str, or "other" for a converter the checker cannot reproduce; words it
    also accepts, such as vLLM's optional ints taking "None")."""
    conv = action.type
    if conv in (None, str):
        return "str", []
    if conv in (int, float):
        return conv.__name__, []
    accepted = []
    for sample in SAMPLES:
        try:
            with captured(LOGGERS):
                conv(sample)
            accepted.append(sample)
        except Exception:  # noqa: BLE001
            pass
    also = [s for s in ("None", "") if s in accepted]
    numbers = [s for s in accepted if s not in also]
    if numbers == ["8", "-1", "0"]:
        return "int", also
    if numbers == ["8", "-1", "0", "0.5", "1e3"]:
        return "float", also
    if accepted == SAMPLES:
        return "str", []
    return "other", []


def _nargs(action):
    if action.nargs is None:
        return 1
    if action.nargs == argparse.SUPPRESS:
        return 0
    return action.nargs  # 0, N, "?", "*", "+"


def _plain(value):
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # JSON has no Infinity; browsers reject it
    if isinstance(value, str) and len(value) <= 80 and value != argparse.SUPPRESS:
        return value
    return None  # long or structured defaults stay out of the data: readers don't need them


def _removal_dates(parser_source):
    """`--flag` → date, from the engine's own comments next to a registration ("after 2026-12-31")."""
    dates, pending = {}, None
    for line in parser_source.splitlines():
        found = re.search(r"(?:remove|drop)[^\n]*after (\d{4}-\d{2}-\d{2})", line)
        if found:
            pending = found.group(1)
        flag = re.search(r'"(--[a-z0-9-]+)"', line)
        if flag and pending:
            dates[flag.group(1)] = pending
            pending = None
    return dates


def _removal_in(text):
    found = re.search(r"removed (?:in|after) (v?\d[\d.]*\d|\d{4}-\d{2}-\d{2})", text or "")
    return found.group(1) if found else None


def _replacement(text):
    found = re.search(r"[Uu]se '?(--[A-Za-z0-9{},<>_=. -]+?)'?(?: instead|\)|$)", text or "")
    return found.group(1).strip() if found else None


def dump_parser(parser, removal, twin):
    # A default that differs between two builds of the parser (a random id) is not a fact.
    twin_defaults = {tuple(a.option_strings): _plain(a.default) for a in twin._actions}
    options = []
    for action in parser._actions:
        if not action.option_strings:
            continue
        # Some actions show fewer names than they register (vLLM's --no-enable-x): argparse
        # matches against the registered ones.
        hidden = sorted(k for k, a in parser._option_string_actions.items() if a is action and k not in action.option_strings)
        entry = {"names": list(action.option_strings) + hidden, "nargs": _nargs(action)}
        if entry["nargs"] != 0:
            entry["type"], also = _value_type(action)
            if also:
                entry["also"] = also
            if action.choices is not None:
                entry["choices"] = sorted(str(c) for c in action.choices)
        if action.required:
            entry["required"] = True
        if type(action).__name__ in ("_AppendAction", "_ExtendAction", "_CountAction", "_AppendConstAction"):
            entry["repeatable"] = True
        default = _plain(action.default)
        if default is not None and twin_defaults.get(tuple(action.option_strings)) == default:
            entry["default"] = default
        deprecated = _deprecation(action, removal)
        if deprecated:
            entry["deprecated"] = deprecated
        options.append(entry)
    return sorted(options, key=lambda o: o["names"][0])


def _deprecation(action, removal):
    new_flag = getattr(action, "new_flag", None)
    help_text = action.help if isinstance(action.help, str) else ""
    marked = action in DEPRECATED or "Deprecated" in type(action).__name__ \
        or re.match(r"\(?deprecated\b", help_text.strip(), re.I)
    if not marked:
        return None
    out = {"message": re.sub(r"\s+", " ", help_text).strip() or None,
           "replacement": new_flag or _replacement(help_text)}
    for name in action.option_strings:
        if name in removal:
            out["removal"] = removal[name]
    out.setdefault("removal", _removal_in(help_text))
    return {k: v for k, v in out.items() if v}


def dump():
    data = {"engine": ENGINE, "release": VERSION, "images": IMAGES[ENGINE], "commands": {}}
    if ENGINE == "sglang":
        source = inspect.getsource(ServerArgs.add_cli_args)
        removal = _removal_dates(source)
        data["env"] = {"prefixes": ["SGLANG_", "SGL_"],
                       "names": sorted(k for k, v in vars(sg_environ.Envs).items()
                                       if isinstance(v, sg_environ.EnvField))}
    else:
        removal = {}
        data["env"] = {"prefixes": ["VLLM_"], "names": sorted(v_envs.environment_variables)}
    twins = parsers()
    for name, parser in parsers().items():
        DEPRECATED.update(getattr(parser, "_deprecated", ()))  # vLLM's `deprecated=True` before Python 3.13
        command = {"allow_abbrev": parser.allow_abbrev, "options": dump_parser(parser, removal, twins[name])}
        data["commands"][name] = command
    if ENGINE == "sglang":
        serve = data["commands"]["serve"]
        if sg_main is not None:  # cli/serve.py: a leading bare word is the model path
            serve["positional"] = "--model-path"
        _value_deprecations(serve)
        _use_each_flag(serve, "sglang serve --model-path m")
    else:
        serve = data["commands"]["serve"]
        serve["positional"] = "model_tag"
        _vllm_late_choices(serve)
        _use_each_flag(serve, "vllm serve m")
    return data


def _use_each_flag(command, prefix):
    """Use each flag once, alone: learn the deprecation warnings it prints, and which other
    flag it cannot go without (the engine's error "--a requires --b")."""
    for opt in command["options"]:
        name = next((n for n in opt["names"] if n.startswith("--")), None)
        if name is None or opt["nargs"] not in (0, 1):
            continue
        value = "" if opt["nargs"] == 0 else " " + shlex.quote(opt.get("choices", [None])[0] or _sample(opt))
        verdict = judge(f"{prefix} {name}{value}")
        said = [w for w in verdict["warnings"] if name in w and re.search(r"deprecat|will be removed", w, re.I)]
        if said and not opt.get("deprecated"):
            opt["deprecated"] = {k: v for k, v in {"message": said[0], "replacement": _replacement(said[0]),
                                                   "removal": _removal_in(said[0])}.items() if v}
        needs = re.search(r"(--[\w-]+) requires (--[\w-]+)\.?\Z", verdict["error"] or "")
        if needs and needs.group(1) == name:
            opt["requires"] = [name, needs.group(2)]  # only when written as `name`: --disable-x needs nothing


def _sample(opt):
    return {"int": "1", "float": "0.5"}.get(opt.get("type"), "x")


def _value_deprecations(command):
    """sglang renames some choice values in a hook after parsing: try each choice once."""
    for opt in command["options"]:
        if "choices" not in opt or opt.get("deprecated"):
            continue
        for value in opt["choices"]:
            verdict = judge(f"sglang serve --model-path m {opt['names'][0]} {shlex.quote(value)}")
            said = [w for w in verdict["warnings"] if "deprecated" in w.lower() and value in w]
            if said:
                new = re.search(r"(?:use|Please use) '([^']+)' instead", said[0])
                extra = [w for w in verdict["warnings"] if w not in said and value in w]
                opt.setdefault("deprecated_values", {})[value] = {
                    k: v for k, v in {"message": said[0], "also": " ".join(extra),
                                      "replacement": new.group(1) if new else None}.items() if v}


def _vllm_late_choices(command):
    """vLLM types these as free strings and checks them only later, against its registries."""
    late = {"--tool-call-parser": ToolParserManager.list_registered(),
            "--reasoning-parser": ReasoningParserManager.list_registered()}
    for opt in command["options"]:
        for name, names in late.items():
            if name in opt["names"] and "choices" not in opt:
                opt["choices"] = sorted(names)


# --- judge --------------------------------------------------------------------------------

ENV_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def engine_argv(text):
    """(env, argv, mode) for a command as the shell and docker would pass it; mode None if not ours."""
    lex = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars="|&;<>")
    lex.whitespace_split = True
    words = []
    for word in lex:  # the shell runs the engine with the words before a pipe or redirection
        if re.fullmatch(r"[|&;<>]+", word):
            if word[0] in "<>" and words and words[-1].isdigit():
                words.pop()
            break
        words.append(word)
    env = {}
    if words[:1] == ["env"]:
        words = words[1:]
    if words[:2] == ["docker", "run"]:
        image = next((i for i, w in enumerate(words) if any(w.split(":")[0] == im for im in IMAGES[ENGINE])), None)
        if image is None:
            return env, [], None
        for i, w in enumerate(words[:image]):
            if w in ("-e", "--env") and i + 1 < image and "=" in words[i + 1]:
                k, v = words[i + 1].split("=", 1)
                env[k] = v
        words = (["vllm", "serve"] if ENGINE == "vllm" else []) + words[image + 1:]
    while words and ENV_WORD.match(words[0]):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    if ENGINE == "sglang":
        if words[:2] == ["sglang", "serve"]:
            return env, words[1:], "cli"
        if len(words) >= 3 and re.fullmatch(r"python3?(\.\d+)?", words[0]) and words[1:3] == ["-m", "sglang.launch_server"]:
            return env, words[3:], "launch_server"
    elif words[:1] == ["vllm"]:
        return env, words[1:], "cli"
    return env, [], None


def fault_of(error):
    for pattern in (r"argument ([^\s:/]+)[^:]*:", r"unrecognized arguments: (\S+)",
                    r"ambiguous option: ([^\s=]+)", r"the following arguments are required: ([^\s,/]+)"):
        found = re.search(pattern, error)
        if found:
            return found.group(1)
    found = re.search(r"invalid ((?:[a-z]+ )*parser)\b", error)  # vLLM: "invalid tool call parser: x"
    if found:
        return "--" + found.group(1).replace(" ", "-")
    found = re.search(r"(--[a-z0-9][a-z0-9-]*)", error)
    return found.group(1) if found else None


def judge(text):
    env, argv, mode = engine_argv(text)
    if mode is None:
        return {"ok": False, "error": "not a command of this engine", "fault": None, "warnings": []}
    _got.clear()
    verdict = {"ok": True, "error": None, "fault": None, "warnings": []}
    saved = sys.argv
    with environ(env), captured(LOGGERS) as (err, records):
        try:
            if ENGINE == "sglang":
                _run_sglang(argv, mode)
            else:
                _run_vllm(argv)
        except SystemExit as exc:
            if exc.code not in (0, None):
                lines = [l for l in err.getvalue().splitlines() if ": error: " in l]
                verdict.update(ok=False, error=lines[-1].split(": error: ", 1)[1] if lines else f"exit {exc.code}")
        except Exception as exc:  # noqa: BLE001  (the engine's own checks raise ValueError etc.)
            # Older sglang looks for a GPU once argparse and the argument checks accepted the command.
            if not (ENGINE == "sglang" and "No accelerator" in str(exc)):
                verdict.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        finally:
            sys.argv = saved
    if not verdict["ok"]:
        verdict["fault"] = fault_of(verdict["error"])
    verdict["warnings"] = records.lines
    return verdict


def _run_sglang(argv, mode):
    if sg_main is None:  # an older release: `sglang serve M …` is the launch_server parse of `--model-path M …`
        _got["server_args"] = sg_launch.prepare_server_args(_older_cli(argv) if mode == "cli" else argv)
        return
    if mode == "cli":
        sys.argv = ["sglang", *argv]
        load_plugins()
        sg_main.main()
        if "diffusion" in _got:
            raise RuntimeError("routed to the diffusion backend")
    else:
        load_plugins()
        _got["server_args"] = sg_launch.prepare_server_args(argv)
    args = _got.get("server_args")
    if args is not None:
        _sglang_deprecation_hooks(args)


def _older_cli(argv):
    """Older releases' `sglang serve` (cli/serve.py there), whose module imports the diffusion runtime
    and cannot load here: it needs `--model-path M` spelled out (cli/utils.get_model_path), then
    parses the rest as launch_server does (a language model: the corpus has no diffusion models)."""
    words = argv[1:]
    if not any(w == "--model-path" and i + 1 < len(words) or w.startswith("--model-path=") for i, w in enumerate(words)):
        raise Exception("Error: --model-path is required. Please provide the path to the model.")
    return words


def _sglang_deprecation_hooks(server_args):
    """The two model-independent hooks a real launch runs first; they warn and may raise."""
    try:
        from sglang.srt.arg_groups.arg_utils import record_fields
        from sglang.srt.arg_groups.parallel_hook import handle_deprecated_dp_attention
        from sglang.srt.arg_groups.resolution_hooks import run_hook
        from sglang.srt.arg_groups.serving_hook import handle_deprecated_args
    except ImportError:  # releases before these hooks warn while parsing
        return
    server_args._raw_input = {f.name: getattr(server_args, f.name) for f in record_fields(type(server_args))}
    server_args._resolved_overrides = list(getattr(server_args, "_resolved_overrides", ()))
    server_args._input_frozen = True
    try:
        run_hook(handle_deprecated_dp_attention, server_args)
        run_hook(handle_deprecated_args, server_args)
    finally:
        server_args._input_frozen = False


def _run_vllm(argv):
    for n in ("_print_warning_once", "_print_info_once"):
        getattr(getattr(sys.modules["vllm.logger"], n, None), "cache_clear", lambda: None)()
    sys.argv = ["vllm", *argv]
    v_main.main()
    args = _got.get("args")
    if _got.get("dispatched") == "ServeSubcommand" and args is not None:
        if hasattr(v_cli_args, "init_parser_plugin"):
            v_cli_args.init_parser_plugin(args)
            v_cli_args.validate_api_server_args(args)
        else:  # older releases: the same steps in api_server.setup_server
            from vllm.entrypoints.openai import api_server as v_api
            for plugin, manager in (("tool_parser_plugin", ToolParserManager), ("reasoning_parser_plugin", ReasoningParserManager)):
                if getattr(args, plugin, None) and len(getattr(args, plugin)) > 3:
                    getattr(manager, "import_tool_parser" if plugin.startswith("tool") else "import_reasoning_parser")(getattr(args, plugin))
            v_api.validate_api_server_args(args)
        for flag, name, plugin, manager in (
                ("--tool-call-parser", "tool_call_parser", "tool_parser_plugin", ToolParserManager),
                ("--reasoning-parser", "reasoning_parser", "reasoning_parser_plugin", ReasoningParserManager)):
            value = getattr(args, name, None)
            if value and not getattr(args, plugin, None) and value not in manager.list_registered():
                raise KeyError(f"argument {flag}: invalid parser {value!r}")
        AsyncEngineArgs.from_cli_args(args)


def main():
    if sys.argv[2] == "dump":
        json.dump(dump(), sys.stdout, sort_keys=True)
    else:
        json.dump([judge(t) for t in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
