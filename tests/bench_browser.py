"""Browser benchmark of the deploy page's configurator (a script, not a test: it asserts nothing).

    .venv/bin/python tests/bench_browser.py [--runs N] [--site DIR] [--json FILE]

Builds the site with `mkdocs build --strict` into a temporary directory (or uses DIR, e.g. site/),
serves it on 127.0.0.1 with a byte-counting copy of the test server, and measures in headless
Chromium (/usr/bin/chromium, or $SERVEBOOK_CHROMIUM), for each run:

  cold  a fresh browser profile (empty HTTP cache, no code cache), first navigation to the page;
  warm  a second navigation to the same URL in that same profile. The server is Python's
        http.server: it sends Last-Modified and no Cache-Control, and answers If-Modified-Since
        with 304. So "warm" means: Chromium's HTTP cache holds every file, each is either reused
        without asking (heuristic freshness, 10% of its age since Last-Modified) or revalidated
        with a 304 that carries no body (which one depends on the files' age: a site built
        seconds ago is revalidated file by file, one built an hour ago is reused for minutes;
        the "requests served" and "304" rows tell which happened); V8's code cache and the
        compiled-wasm cache may also hit. It is what a reader gets when coming back to the page in the same browser session.
        By default each run gets its own on-disk profile (launch_persistent_context), because
        Playwright's usual incognito contexts keep their HTTP cache in memory, which does not hold
        an entry as big as pyodide.asm.wasm (9.6 MB): with --cache memory, "warm" downloads it again.

Metrics (medians over the runs; the click latencies are p50/p95 within a run, then the median):
  - first command: DOMContentLoaded and first-contentful-paint (navigation start = 0), and whether
    [data-command] already held the golden default command at DOMContentLoaded (it must come
    from the HTML, not from JavaScript);
  - Python ready: navigation start until the root's data-engine becomes "python" (a
    MutationObserver installed before any page script runs);
  - click -> command updated: inside the page, performance.now() around a synthetic
    input.click() on a radio, until a MutationObserver sees [data-command] change; every click
    changes one option (a walk through all 56 states), measured both while Python is held back
    (the precomputed views answer) and after it is ready (the worker answers);
  - longest main-thread task: PerformanceObserver "longtask" (buffered; tasks >= 50 ms only, so
    "< 50" means none) from navigation start until Python is ready + 1 s;
  - bytes: counted on the server for every response of the navigation (pages, scripts, the
    worker's Pyodide files: headers + bodies as sent), and, for comparison, the page's own
    resource timing (navigation + resource entries' transferSize; the worker's fetches are not
    in the page's timeline, so this misses Pyodide).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import socketserver
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_helpers import (DEFAULT_COMMAND, DEFAULTS, DEPLOY, GOLDEN, OPTIONS, ROOT_SEL,  # noqa: E402
                             golden, gray_walk, hold, wait_engine)
from conftest import CHROMIUM, CHROMIUM_ARGS, _Handler, build_site  # noqa: E402

TARGETS = {"python_ready_cold_ms": 1500, "click_p95_ms": 16, "longest_task_ms": 200}


# --- a static server that counts what it sends ----------------------------------------------------

class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.bytes = 0
            self.requests = 0
            self.not_modified = 0

    def add(self, n):
        with self.lock:
            self.bytes += n

    def snapshot(self):
        with self.lock:
            return {"bytes": self.bytes, "requests": self.requests, "not_modified": self.not_modified}


class _CountingWriter:
    def __init__(self, raw, tally):
        self.raw, self.tally = raw, tally

    def write(self, data):
        n = self.raw.write(data)
        self.tally.add(len(data) if n is None else n)
        return n

    def __getattr__(self, name):
        return getattr(self.raw, name)


class CountingHandler(_Handler):
    tally: Tally = None

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self.tally)

    def log_request(self, code="-", size="-"):
        with self.tally.lock:
            self.tally.requests += 1
            self.tally.not_modified += int(str(getattr(code, "value", code)) == "304")


def serve(directory: Path, tally: Tally, handler_class=None):
    """Serves `directory` on 127.0.0.1 with `handler_class` (CountingHandler), counting into `tally`."""
    handler_class = handler_class or CountingHandler
    handler = functools.partial(type("H", (handler_class,), {"tally": tally}), directory=str(directory))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


# --- in-page instrumentation ----------------------------------------------------------------------

# Runs before any page script, on every navigation.
PROBE = """
(() => {
  const probe = window.__sbBench = {longtasks: [], pythonAt: null, engineSeen: [], dcl: null};
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) probe.longtasks.push([e.startTime, e.duration]); })
      .observe({type: "longtask", buffered: true});
  } catch (e) { probe.longtaskError = String(e); }
  new MutationObserver((records) => {
    for (const r of records) {
      const value = r.target.getAttribute("data-engine");
      probe.engineSeen.push(value);
      if (value === "python" && probe.pythonAt === null) probe.pythonAt = performance.now();
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-engine"]});
  document.addEventListener("DOMContentLoaded", () => {
    const cmd = document.querySelector("[data-configurator] [data-command]");
    probe.dcl = {at: performance.now(), command: cmd ? cmd.textContent : null};
  });
})();
"""

LOAD_METRICS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  const sum = (key) => resources.reduce((n, e) => n + (e[key] || 0), nav[key] || 0);
  const p = window.__sbBench;
  return {
    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : null,
    command_at_dcl: p.dcl ? p.dcl.command : null, python_at: p.pythonAt,
    longtasks: p.longtasks, longtask_error: p.longtaskError || null,
    rt_transfer: sum("transferSize"), rt_encoded: sum("encodedBodySize"), rt_entries: resources.length + 1,
  };
}"""

# Clicks radios along `steps` ([[option, value, timed], ...]). A timed click is one that changes the
# command (only 32 of the 56 states have distinct commands): it is timed from just before
# input.click() until a MutationObserver sees [data-command]'s text change. An untimed click only
# waits until the widget has rendered it (it rewrites location.search for every state).
CLICK_LATENCY = """async ([sel, steps]) => {
  const root = document.querySelector(sel);
  const target = root.querySelector("[data-command]");
  const times = [], python = [];  // python: until Python's own view of the click is rendered
  const pythonViews = () => Number(root.dataset.pythonViews || 0);
  const settle = (before) => new Promise((resolve) => {
    const t0 = performance.now();
    const poll = () => (location.search !== before || performance.now() - t0 > 2000) ? resolve() : setTimeout(poll, 1);
    poll();
  });
  for (const [option, value, timed] of steps) {
    const input = root.querySelector(`input[data-option="${option}"][value="${value}"]`);
    if (!timed) {
      const search = location.search;
      input.click();
      await settle(search);
      continue;
    }
    const before = target.textContent;
    let observer, timer;
    const changed = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), 2000);
      observer = new MutationObserver(() => { if (target.textContent !== before) resolve(performance.now()); });
      observer.observe(target, {childList: true, characterData: true, subtree: true});
    });
    const served = pythonViews();
    let pythonObserver;
    const pythonDone = root.dataset.engine !== "python" ? null : new Promise((resolve) => {
      setTimeout(() => resolve(null), 2000);
      pythonObserver = new MutationObserver(() => { if (pythonViews() > served) resolve(performance.now()); });
      pythonObserver.observe(root, {attributes: true, attributeFilter: ["data-python-views"]});
    });
    const t0 = performance.now();
    input.click();
    const t1 = await changed;
    clearTimeout(timer);
    observer.disconnect();
    times.push(t1 === null ? null : t1 - t0);
    if (pythonDone) {
      const t2 = await pythonDone;
      pythonObserver.disconnect();
      python.push(t2 === null ? null : t2 - t0);
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  return {times, python};
}"""


def walk_steps(rounds: int = 2):
    """[option, value, timed] clicks going through all 56 states, one option at a time, `rounds`
    times; `timed` where the click changes the command."""
    steps, state = [], dict(DEFAULTS)
    for _ in range(rounds):
        walk = gray_walk()
        path, back = [], dict(state)
        for k in OPTIONS:  # back to the walk's start, one option at a time
            if back[k] != walk[0][k]:
                back = {**back, k: walk[0][k]}
                path.append(back)
        for after in path + walk[1:]:
            (option,) = [k for k in OPTIONS if state[k] != after[k]]
            steps.append([option, after[option], golden(state) != golden(after)])
            state = after
    return steps


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- one run --------------------------------------------------------------------------------------

def measure_navigation(page, url, tally):
    tally.reset()
    page.goto(url)
    page.locator(ROOT_SEL).hover()  # Python starts on the first sign of use: at once, here
    wait_engine(page, "python", timeout=60_000)
    page.wait_for_timeout(1000)  # late long tasks, trailing requests
    m = page.evaluate(LOAD_METRICS)
    server = tally.snapshot()
    ready = m["python_at"]
    longest = max([d for start, d in m["longtasks"] if ready is None or start <= ready + 1000], default=0.0)
    return {
        "dcl_ms": m["dcl"], "fcp_ms": m["fcp"], "load_ms": m["load"],
        "command_in_html": m["command_at_dcl"] == DEFAULT_COMMAND,
        "python_ready_ms": ready, "longest_task_ms": longest, "longtasks": len(m["longtasks"]),
        "longtask_error": m["longtask_error"],
        "server_bytes": server["bytes"], "server_requests": server["requests"], "server_304": server["not_modified"],
        "rt_transfer_bytes": m["rt_transfer"], "rt_encoded_bytes": m["rt_encoded"],
    }


def measure_clicks(page, steps):
    measured = page.evaluate(CLICK_LATENCY, [ROOT_SEL, steps])
    times = measured["times"]
    missed = sum(t is None for t in times)
    times = [t for t in times if t is not None]
    python = [t for t in measured["python"] if t is not None]
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "max": max(times, default=float("nan")),
            "n": len(times), "missed": missed, "steps": len(steps),
            "python_p50": percentile(python, 0.5) if python else None,
            "python_p95": percentile(python, 0.95) if python else None,
            "python_max": max(python) if python else None}


def one_run(new_context, base, tally, steps):
    url = base + DEPLOY
    context = new_context()
    context.add_init_script(PROBE)
    try:
        page = context.new_page()
        cold = measure_navigation(page, url, tally)
        warm = measure_navigation(page, url, tally)
        after = measure_clicks(page, steps)
        page.close()

        # Before Python: hold the worker's Pyodide requests so only the precomputed views answer.
        page = context.new_page()
        _, wait_held, release = hold(page)
        page.goto(url)
        page.locator(ROOT_SEL).hover()
        wait_held()
        engine = page.evaluate("(sel) => document.querySelector(sel).dataset.engine", ROOT_SEL)
        before = measure_clicks(page, steps)
        before["engine"] = engine
        release()
        page.close()
        return {"cold": cold, "warm": warm, "clicks_before": before, "clicks_after": after}
    finally:
        context.close()


# --- report ---------------------------------------------------------------------------------------

def med(runs, *path):
    values = []
    for run in runs:
        v = run
        for key in path:
            v = v[key]
        if v is not None:
            values.append(v)
    return statistics.median(values) if values else None


def fmt_ms(v):
    return "n/a" if v is None else f"{v:,.1f} ms" if v < 100 else f"{v:,.0f} ms"


def fmt_bytes(v):
    return "n/a" if v is None else f"{v / 1e6:,.2f} MB" if v >= 1e5 else f"{v / 1e3:,.1f} kB"


def ratio(a, b):
    return "" if not a or b is None else f"{b / a:.2f}x"


def report(runs, chromium_version, site_dir, cache):
    n = len(runs)
    timed = runs[0]["clicks_after"]["n"] + runs[0]["clicks_after"]["missed"]
    total = runs[0]["clicks_after"]["steps"]
    lines = [
        "",
        f"Servebook browser benchmark: {DEPLOY}  ({n} runs, Chromium {chromium_version}, {os.cpu_count()} CPUs)",
        f"site: {site_dir}",
        "cache: " + ("a fresh on-disk browser profile per run (cold = empty; warm = same profile, 2nd navigation)"
                     if cache == "disk" else "an in-memory (incognito) context per run; its HTTP cache does not "
                     "keep entries as big as pyodide.asm.wasm, which is downloaded again when warm"),
        "",
        f"{'metric (median of runs)':<44}{'cold':>12}{'warm':>12}{'warm/cold':>11}   target",
        "-" * 96,
    ]

    def row(label, key, fmt, target=""):
        c, w = med(runs, "cold", key), med(runs, "warm", key)
        lines.append(f"{label:<44}{fmt(c):>12}{fmt(w):>12}{ratio(c, w):>11}   {target}")
        return c, w

    row("DOMContentLoaded", "dcl_ms", fmt_ms)
    row("first contentful paint", "fcp_ms", fmt_ms)
    row("load event", "load_ms", fmt_ms)
    py_cold, _ = row("navigation start -> data-engine=python", "python_ready_ms", fmt_ms, "<= 1,500 ms cold")
    lt_cold, lt_warm = row("longest main-thread task (>= 50 ms)", "longest_task_ms",
                           lambda v: "< 50 ms" if v == 0 else fmt_ms(v), "no task > 200 ms")
    row("bytes sent by the server (incl. worker)", "server_bytes", fmt_bytes)
    row("requests served", "server_requests", lambda v: "n/a" if v is None else f"{v:.0f}")
    row("  ... 304 Not Modified", "server_304", lambda v: "n/a" if v is None else f"{v:.0f}")
    row("page resource timing transferSize", "rt_transfer_bytes", fmt_bytes, "(page only, no worker)")
    row("page resource timing encodedBodySize", "rt_encoded_bytes", fmt_bytes, "(page only, no worker)")
    in_html = sum(r[k]["command_in_html"] for r in runs for k in ("cold", "warm"))
    lines.append(f"{'golden default command at DOMContentLoaded':<44}{in_html:>12} of {2 * n} navigations")
    lines += [
        "",
        f"{'click -> command updated (in page)':<44}{'p50':>12}{'p95':>12}{'max':>11}   target",
        "-" * 96,
    ]
    for label, key in (("before Python (precomputed views)", "clicks_before"), ("after Python (worker)", "clicks_after")):
        p50, p95, mx = med(runs, key, "p50"), med(runs, key, "p95"), med(runs, key, "max")
        missed = sum(r[key]["missed"] for r in runs)
        lines.append(f"{label:<44}{fmt_ms(p50):>12}{fmt_ms(p95):>12}{fmt_ms(mx):>11}   p95 <= 16 ms"
                     + (f"   ({missed} clicks never updated!)" if missed else ""))
    lines.append(f"{'  ... until Python renders its own view':<44}{fmt_ms(med(runs, 'clicks_after', 'python_p50')):>12}"
                 f"{fmt_ms(med(runs, 'clicks_after', 'python_p95')):>12}{fmt_ms(med(runs, 'clicks_after', 'python_max')):>11}"
                 "   (the build's view shows first)")
    b95, a95 = med(runs, "clicks_before", "p95"), med(runs, "clicks_after", "p95")
    lines.append(f"{'  after/before ratio (p95)':<44}{'':>12}{ratio(b95, a95):>12}")
    engines = {r["clicks_before"]["engine"] for r in runs}
    lines.append(f"  ({total} clicks per run and phase, {timed} of them change the command and are timed; "
                 f"engine while Python was held: {', '.join(sorted(engines))})")

    worst_task = max(max(r["cold"]["longest_task_ms"], r["warm"]["longest_task_ms"]) for r in runs)
    verdicts = [
        ("Python ready <= 1.5 s cold", py_cold is not None and py_cold <= TARGETS["python_ready_cold_ms"],
         f"median {fmt_ms(py_cold)}"),
        ("click -> command p95 <= 16 ms, before Python", b95 is not None and b95 <= TARGETS["click_p95_ms"],
         f"median p95 {fmt_ms(b95)}"),
        ("click -> command p95 <= 16 ms, after Python", a95 is not None and a95 <= TARGETS["click_p95_ms"],
         f"median p95 {fmt_ms(a95)}"),
        ("no main-thread task > 200 ms", worst_task <= TARGETS["longest_task_ms"],
         f"worst of all runs {fmt_ms(worst_task)}; median cold {fmt_ms(lt_cold)}, warm {fmt_ms(lt_warm)}"),
    ]
    lines += ["", "targets:"]
    lines += [f"  [{'met' if ok else 'MISSED'}] {name}: {detail}" for name, ok, detail in verdicts]
    if any(r[k]["longtask_error"] for r in runs for k in ("cold", "warm")):
        lines.append("  (longtask observer unavailable: longest task not measured)")
    lines += ["", "per run (cold python ready / warm python ready / before p95 / after p95, ms):"]
    for i, r in enumerate(runs, 1):
        lines.append(f"  {i}: {r['cold']['python_ready_ms']:.0f} / {r['warm']['python_ready_ms']:.0f} / "
                     f"{r['clicks_before']['p95']:.2f} / {r['clicks_after']['p95']:.2f}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs (each: cold + warm navigation; default 5)")
    parser.add_argument("--site", type=Path, help="use this built site (e.g. site/) instead of building one")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--rounds", type=int, default=2, help="walks through all 56 states per click phase")
    parser.add_argument("--cache", choices=("disk", "memory"), default="disk",
                        help="disk: a fresh persistent profile per run (default; warm = what a returning reader "
                             "gets); memory: Playwright's incognito contexts")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        if args.site:
            site = args.site.resolve()
            if not (site / DEPLOY / "index.html").is_file():
                parser.error(f"{site} has no {DEPLOY}index.html")
        else:
            site = Path(tmp) / "site"
        tally = Tally()
        httpd, base = serve(site, tally)  # bound first: the site is built for the URL it is served at
        if not args.site:
            print("building the site (mkdocs build --strict) ...", flush=True)
            build_site(site, base)
        steps = walk_steps(args.rounds)
        assert len(GOLDEN) == 56
        try:
            with sync_playwright() as p:
                runs, version = [], None
                browser = None
                if args.cache == "memory":
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    version = browser.version
                for i in range(args.runs):
                    started = time.perf_counter()
                    with tempfile.TemporaryDirectory() as profile:
                        if browser is not None:
                            new_context = browser.new_context
                        else:  # a fresh profile per run: empty disk cache for "cold", kept for "warm"
                            def new_context(profile=profile):
                                return p.chromium.launch_persistent_context(
                                    profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                        runs.append(one_run(new_context, base, tally, steps))
                    print(f"run {i + 1}/{args.runs}: {time.perf_counter() - started:.1f} s", flush=True)
                if browser is not None:
                    browser.close()
                else:
                    probe = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    version = probe.version
                    probe.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
        print(report(runs, version, site, args.cache))
        if args.json:
            args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
