"""The build's spec check on two cores: most of a spec's check is rendering every state, and the
states split in two halves that render independently (the machine has two cores or more).

A forked process renders the second half of the base states while this one renders and checks
the first; another, if asked, computes something the page will need next (its view table) for
the spec as the caller guesses it will come out of the check. Forked, not spawned: the
processes start with the loaded spec, in milliseconds.
"""

import multiprocessing
import os

from configurator import spec_flags

MIN_SPLIT = 64  # base states below which a second process costs more than it saves
_shard: dict = {}  # what the forked processes compute, set before they are forked


def check(spec, check_views, ahead=None):
    """(check_views(views), ahead's result or None): check_views reads spec_flags.views(spec), the
    same views in the same order, the second half rendered by a forked process. That process
    sends only the views with something the check has not seen in its half: the check skips the
    others, as they repeat commands and outputs it met earlier. If it fails, this process renders
    its half (and raises what it finds). `ahead`: (function, argument), computed meanwhile."""
    combos = spec_flags.base_states(spec)
    if len(combos) < MIN_SPLIT or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return check_views(spec_flags.views(spec, combos)), None
    half = len(combos) // 2
    _shard.update(spec=spec, combos=combos[half:], ahead=ahead)
    with multiprocessing.get_context("fork").Pool(1 if ahead is None else 2) as pool:
        second = pool.apply_async(_second_half)
        early = None if ahead is None else pool.apply_async(_ahead)

        def views():
            yield from spec_flags.views(spec, combos[:half])
            try:
                rest = second.get()
            except Exception:  # e.g. a SpecError that does not survive pickling: find it here
                rest = None
            yield from spec_flags.views(spec, combos[half:]) if rest is None else rest

        result = check_views(views())
        try:
            return result, None if early is None else early.get()
        except Exception:  # the caller computes it itself
            return result, None


def _second_half():
    return list(_news(spec_flags.views(_shard["spec"], _shard["combos"])))


def _ahead():
    function, argument = _shard["ahead"]
    return function(argument)


def _news(views):
    """What check_spec reads of each view, for the base views and those with a command or shell
    output not seen before (a view without either is one check_spec skips)."""
    done = set()
    for view in views:
        new_command = view["command"] not in done
        outputs = [{"id": o["id"], "text": o["text"], "lang": o["lang"]} for o in view["outputs"]
                   if o["lang"] == "shell" and (o["id"], o["text"]) not in done]
        if view.get("base") or new_command or outputs:
            yield {"state": view["state"], "command": view["command"], "outputs": outputs,
                   "notes": view["notes"] if new_command else [], **({"base": True} if view.get("base") else {})}
        done.add(view["command"])
        done.update((o["id"], o["text"]) for o in outputs)
