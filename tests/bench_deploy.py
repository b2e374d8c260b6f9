"""Latency of the deployment configurator once Python is ready (a script, not a test).

    .venv/bin/python tests/bench_deploy.py [--clicks N] [--keys N]

Builds the site, serves it on 127.0.0.1, opens the deploy page in headless Chromium, waits for
the in-browser Python engine, then measures inside the page with performance.now():

  click -> command:       a synthetic click on a radio (the engine radio, SGLang <-> vLLM, so the
                          command always changes) until a MutationObserver sees [data-command]
                          change (the build's table answers first), and until Python's own view is
                          rendered (data-python-views grows);
  keystroke -> snippets:  one character appended to the served-model-name field (an input event,
                          as typing sends) until Python's view is rendered, with the command and
                          every snippet that names the model holding the new name.

Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_helpers import DEPLOY, ROOT_SEL, wait_engine  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS, SiteServer, build_site  # noqa: E402

CLICK = """async ([sel, value]) => {
  const root = document.querySelector(sel);
  const code = root.querySelector('[data-command]');
  const views = () => Number(root.dataset.pythonViews || 0);
  const before = code.textContent, served = views();
  const t0 = performance.now();
  const changed = new Promise((resolve) => {
    const o = new MutationObserver(() => { if (code.textContent !== before) { o.disconnect(); resolve(performance.now()); } });
    o.observe(code, {childList: true, characterData: true, subtree: true});
  });
  const python = new Promise((resolve) => {
    const o = new MutationObserver(() => { if (views() > served) { o.disconnect(); resolve(performance.now()); } });
    o.observe(root, {attributes: true, attributeFilter: ['data-python-views']});
  });
  root.querySelector(`input[data-option="engine"][value="${value}"]`).click();
  const [a, b] = await Promise.all([changed, python]);
  return [a - t0, b - t0];
}"""

KEY = """async ([sel, text]) => {
  const root = document.querySelector(sel);
  const input = root.querySelector('[data-field="name"]');
  const views = () => Number(root.dataset.pythonViews || 0);
  const served = views();
  const t0 = performance.now();
  const python = new Promise((resolve) => {
    const o = new MutationObserver(() => { if (views() > served) { o.disconnect(); resolve(performance.now()); } });
    o.observe(root, {attributes: true, attributeFilter: ['data-python-views']});
  });
  input.value = text;
  input.dispatchEvent(new InputEvent('input', {bubbles: true, data: text.slice(-1), inputType: 'insertText'}));
  const t1 = await python;
  const ids = ['chat-curl', 'chat-python', 'bench', 'claude-code', 'noumena'];
  const ok = root.querySelector('[data-command]').textContent.includes(text)
    && ids.every((id) => root.querySelector(`[data-output="${id}"]`).textContent.includes(text));
  return [t1 - t0, ok];
}"""


def pct(values, q):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=60)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = SiteServer(Path(tmp) / "site")
        build_site(server.directory, server.url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.url + DEPLOY)
            wait_engine(page, "python")
            page.wait_for_timeout(500)
            clicks = [page.evaluate(CLICK, [ROOT_SEL, "vllm" if i % 2 == 0 else "sglang"]) for i in range(args.clicks)]
            label = "my-kimi-"
            keys = []
            for i in range(args.keys):
                label += "abcdefghij"[i % 10]
                keys.append(page.evaluate(KEY, [ROOT_SEL, label]))
            browser.close()
        server.close()
    assert all(ok for _, ok in keys), "a snippet missed the typed name"
    result = {
        "click_to_command_ms": {"p50": pct([a for a, _ in clicks], .5), "p95": pct([a for a, _ in clicks], .95)},
        "click_to_python_view_ms": {"p50": pct([b for _, b in clicks], .5), "p95": pct([b for _, b in clicks], .95)},
        "keystroke_to_all_snippets_ms": {"p50": pct([k for k, _ in keys], .5), "p95": pct([k for k, _ in keys], .95)},
        "samples": {"clicks": len(clicks), "keys": len(keys)},
    }
    print(json.dumps(result, indent=2))
    print(f"mean keystroke {statistics.mean(k for k, _ in keys):.1f} ms")


if __name__ == "__main__":
    main()
