"""`python3 dev.py sources <spec> --from <copy>`: what would change if the spec followed another
copy of a source. Run against the seed's older SGLang generator (seed document 000), the current
upstream copy, and a copy with one edit."""

import shutil
from pathlib import Path

import pytest

from tests.tools import sources_diff

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = Path("/work/shared/seeds/000_942fa0e9d750f8aa.txt")
UPSTREAM = Path("/work/shared/sources/sglang-docs")
# The output for the seed's generator, kept for review (the copy's path shown as <copy>).
RECORDED = ROOT / "tests" / "data" / "kimi-k2.7-code.sources-seed000.txt"

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run(capsys, *args):
    code = sources_diff.main(["kimi-k2.7-code", *args])
    return code, capsys.readouterr().out


@needs_node
def test_the_seeds_older_generator_shows_the_16_changed_and_2_missing_states(capsys):
    if not SEED.is_file():
        pytest.skip(f"{SEED} not available")
    code, out = run(capsys, "--from", str(SEED))
    assert code == 1
    assert out.replace(str(SEED), "<copy>") == RECORDED.read_text(encoding="utf-8")
    changed = [line for line in out.splitlines() if line.startswith("~ ")]
    assert len(changed) == 16 and all(line.split()[1] in ("hardware=b300", "hardware=gb300") for line in changed)
    # Each change is the one line pull request #36246 added (the older copy lacks it).
    assert out.count("    -  --kv-cache-dtype fp8_e4m3 \\\n") == 16
    missing = [line for line in out.splitlines() if line.startswith("- ")]
    assert missing == ["- hardware=mi350x quantization=mxfp4: the copy has no such state",
                       "- hardware=mi355x quantization=mxfp4: the copy has no such state"]
    assert out.splitlines()[-1] == "= 40 states unchanged, 16 would change, 0 new in the copy, 2 not in the copy"


@needs_node
def test_the_current_upstream_copy_changes_nothing(capsys):
    if not UPSTREAM.is_dir():
        pytest.skip(f"{UPSTREAM} not available")
    code, out = run(capsys, "--from", str(UPSTREAM))
    assert code == 0
    assert "SGLang docs generator as of 2026-08-25 (00d56e2)" in out
    assert out.splitlines()[-2:] == ["no differences",
                                     "= 58 states unchanged, 0 would change, 0 new in the copy, 0 not in the copy"]


@needs_node
def test_one_edit_upstream_shows_exactly_the_states_it_touches(capsys, tmp_path):
    source = UPSTREAM / "kimi-k27-code-deployment.jsx"
    if not source.is_file():
        pytest.skip(f"{source} not available")
    text = source.read_text(encoding="utf-8")
    edited = text.replace("'  --mem-fraction-static 0.90 \\\\\\n' +", "'  --mem-fraction-static 0.92 \\\\\\n' +")
    assert edited != text
    copy = tmp_path / source.name  # found in a directory by the source's file name
    copy.write_text(edited, encoding="utf-8")
    code, out = run(capsys, "--from", str(tmp_path))
    assert code == 1
    assert [line for line in out.splitlines() if line[:2] in ("~ ", "+ ", "- ")] == [
        "~ hardware=mi350x quantization=mxfp4", "~ hardware=mi355x quantization=mxfp4"]
    assert out.count("    -  --mem-fraction-static 0.90 \\\n    +  --mem-fraction-static 0.92 \\\n") == 2


def test_bad_input_is_one_clear_message(tmp_path):
    with pytest.raises(SystemExit, match="no such file or directory"):
        sources_diff.main(["kimi-k2.7-code", "--from", str(tmp_path / "nope")])
    with pytest.raises(SystemExit, match="none of the spec's source files is there"):
        sources_diff.main(["kimi-k2.7-code", "--from", str(tmp_path)])
    (tmp_path / "x.js").write_text("const y = 1;")
    with pytest.raises(SystemExit, match="not a generator this tool can run"):
        sources_diff.main(["kimi-k2.7-code", "--from", str(tmp_path / "x.js")])
    with pytest.raises(SystemExit, match="no source 'nope'"):
        sources_diff.main(["kimi-k2.7-code", "--from", str(tmp_path / "x.js"), "--source", "nope"])
