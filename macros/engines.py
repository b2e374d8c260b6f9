"""`{{ checked_against() }}`: which engine releases a page's commands are checked against,
read from the engine data the checks use (configurator/engine_data/), never typed by hand."""

from configurator.check import latest, load


def releases() -> list[str]:
    """["sglang 0.5.23", "vllm 0.33.0"]: the newest data file of each engine."""
    return [f"{data['engine']} {data['release']}" for data in map(load, latest())]


def checked_against() -> str:
    names = [f"**{r}**" for r in releases()]
    listed = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"Commands on this page are checked against the argument parsers of {listed}: "
            "what those releases accept, not whether a setup fits your GPUs or model.")
