"""The build's spec check on two cores: most of a spec's check is rendering every state, and the
states render independently (the machine has two cores or more).

A forked process renders base states from the last back while this one renders and checks them
from the first on; another, if asked, computes something the page will need next (its view
table) for the spec as the caller guesses it will come out of the check. Forked, not spawned:
the processes start with the loaded spec, in milliseconds.
"""

import multiprocessing
import os

from configurator import spec_flags

MIN_SPLIT = 64  # base states below which a second process costs more than it saves
CHUNK = 16  # base states a process claims at a time: the two meet where both are busy to the end
_shard: dict = {}  # what the forked processes compute, set before they are forked


def check(spec, check_views, ahead=None):
    """(check_views(views), ahead's result or None): check_views reads spec_flags.views(spec), the
    same views in the same order, rendered by this process from the first base states on and by a
    forked one from the last back, a chunk at a time, until they meet (neither waits long for the
    other, however the machine's load shares the cores). The forked process sends, per chunk, only
    the views with something the check has not seen earlier in it: the check skips the others, as
    they repeat commands and outputs it met just before. If it fails, this process renders its
    chunks (and raises what it finds). `ahead`: (function, argument), computed meanwhile."""
    combos = spec_flags.base_states(spec)
    if len(combos) < MIN_SPLIT or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return check_views(spec_flags.views(spec, combos)), None
    chunks = [combos[i:i + CHUNK] for i in range(0, len(combos), CHUNK)]
    context = multiprocessing.get_context("fork")
    edges = context.Array("i", [0, len(chunks) - 1])  # the next chunk from the front, from the back
    _shard.update(spec=spec, chunks=chunks, edges=edges, ahead=ahead)
    with context.Pool(1 if ahead is None else 2) as pool:
        from_the_back = pool.apply_async(_from_the_back)
        early = None if ahead is None else pool.apply_async(_ahead)

        def views():
            met = 0
            while (i := _claim(edges, front=True)) is not None:
                yield from spec_flags.views(spec, chunks[i])
                met = i + 1
            try:
                rendered = dict(from_the_back.get())
            except Exception:  # e.g. a SpecError that does not survive pickling: find it here
                rendered = {}
            for i in range(met, len(chunks)):
                yield from rendered[i] if i in rendered else spec_flags.views(spec, chunks[i])

        result = check_views(views())
        try:
            return result, None if early is None else early.get()
        except Exception:  # the caller computes it itself
            return result, None


def _claim(edges, front):
    """The index of the next chunk nobody has claimed, from the front or the back; None once they meet."""
    with edges.get_lock():
        if edges[0] > edges[1]:
            return None
        end = 0 if front else 1
        claimed = edges[end]
        edges[end] += 1 if front else -1
        return claimed


def _from_the_back():
    rendered = []
    while (i := _claim(_shard["edges"], front=False)) is not None:
        rendered.append((i, list(_news(spec_flags.views(_shard["spec"], _shard["chunks"][i])))))
    return rendered


def _ahead():
    function, argument = _shard["ahead"]
    return function(argument)


def _news(views):
    """What check_spec reads of each view, for the base views and those with a command or shell
    output not seen before in `views` (a view without either is one check_spec skips)."""
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
