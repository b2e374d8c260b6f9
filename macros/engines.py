"""`{{ checked_against() }}`: which engine releases a page's commands are checked against,
read from the engine data the checks use (configurator/engine_data/), never typed by hand."""

from hashlib import sha256

from configurator import history
from configurator.check import latest, load


def data_bundle() -> tuple[str, bytes]:
    """("engine-data.<hash>.json", its bytes): every release of every engine as the page's checker
    fetches it, once, on the first check. The name carries the content hash, so the file may be
    cached as immutable (README) and a new release of the data gets a new URL."""
    text = history.bundle().encode("utf-8")
    return f"engine-data.{sha256(text).hexdigest()[:12]}.json", text


def releases() -> list[str]:
    """["sglang 0.5.23", "vllm 0.33.0"]: the newest data file of each engine."""
    return [f"{data['engine']} {data['release']}" for data in map(load, latest())]


def covered() -> list[str]:
    """["sglang 0.5.9", "sglang 0.5.17", ...]: every release with engine data, oldest first per engine."""
    return [f"{e} {r}" for e, rs in sorted(history.stored().items()) for r in rs]


def checked_against() -> str:
    names = [f"**{r}**" for r in releases()]
    listed = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"Commands on this page are checked against the argument parsers of {listed}: "
            "what those releases accept, not whether a setup fits your GPUs or model.")
