"""The build's spec check on two cores: most of a spec's check is rendering every state, and the
states render independently (the machine has two cores or more).

A forked process renders base states from the last back while this one renders and checks them
from the first on; another, if asked, computes something the page will need next (its view
table) for the spec as the caller guesses it will come out of the check. Forked, not spawned:
the processes start with the loaded spec, in milliseconds.
"""

import multiprocessing
import os
import pickle
import signal
import threading

from configurator import spec_flags

MIN_SPLIT = 64  # base states below which a second process costs more than it saves
CHUNK = 16  # base states a process claims at a time: the two meet where both are busy to the end
_shard: dict = {}  # what the forked processes compute, set before they are forked


def check(spec, check_views, ahead=None, answers=None):
    """(check_views(views), ahead's result or None): check_views reads spec_flags.views(spec), the
    same views in the same order, rendered by this process from the first base states on and by a
    forked one from the last back, a chunk at a time, until they meet (neither waits long for the
    other, however the machine's load shares the cores). The forked process sends, per chunk, only
    the views with something the check has not seen earlier in it: the check skips the others, as
    they repeat commands and outputs it met just before. If it fails, this process renders its
    chunks (and raises what it finds). `ahead`: (function, argument), computed meanwhile.
    `answers`: a function of a chunk's views that the forked process also runs, returning entries
    for spec_flags.known (the engine checker's answers for their texts): its share of the parsing."""
    combos = spec_flags.base_states(spec)
    if len(combos) < MIN_SPLIT or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return check_views(spec_flags.views(spec, combos)), None
    chunks = [combos[i:i + CHUNK] for i in range(0, len(combos), CHUNK)]
    # The next chunk from the front and from the back, shared with the forked process.
    edges = multiprocessing.get_context("fork").Array("i", [0, len(chunks) - 1])
    _shard.update(spec=spec, chunks=chunks, edges=edges, ahead=ahead, answers=answers)
    from_the_back = Forked(_from_the_back)
    early = None if ahead is None else Forked(_ahead)
    try:
        def views():
            met = 0
            while (i := _claim(edges, front=True)) is not None:
                yield from spec_flags.views(spec, chunks[i])
                met = i + 1
            try:
                rendered = {}
                for i, chunk_views, known in from_the_back.result():
                    rendered[i] = chunk_views
                    spec_flags.known.update(known)
            except Exception:  # it failed or died: this process renders its chunks (and raises what it finds)
                rendered = {}
            for i in range(met, len(chunks)):
                yield from rendered[i] if i in rendered else spec_flags.views(spec, chunks[i])

        result = check_views(views())
        try:
            return result, None if early is None else early.result()
        except Exception:  # the caller computes it itself
            return result, None
    finally:
        for forked in (from_the_back, early):
            if forked is not None:
                forked.stop()


class Forked:
    """function() run in a forked process (it starts with this process's memory: the loaded spec);
    result() is what it returned, or raises if it raised, was killed or crashed. A pipe, not a
    multiprocessing Pool, whose result never comes if its process dies."""

    def __init__(self, function):
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the forked process: answer, then leave without this process's exit handlers
            try:
                os.close(read)
                try:
                    answer = (True, function())
                except BaseException as exc:  # noqa: BLE001 - sent to the parent as text
                    answer = (False, f"{type(exc).__name__}: {exc}")
                with os.fdopen(write, "wb") as pipe:
                    pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                os._exit(0)
        os.close(write)
        self.pipe = os.fdopen(read, "rb")
        # Read as the answer comes, so the forked process is not left waiting to send it.
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            self.answer = pickle.load(self.pipe)  # nothing, or half an answer, raises
        except Exception as exc:  # noqa: BLE001 - result() raises it
            self.answer = (False, f"no answer ({type(exc).__name__})")

    def result(self):
        self.reader.join()
        self.stop()
        ok, value = self.answer
        if not ok:
            raise RuntimeError(f"the forked process failed: {value}")
        return value

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)  # a no-op for a process that has answered and left
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)  # its pipe is closed now: the reader ends
            self.reader.join()
            self.pid = 0
            self.pipe.close()


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
    rendered, answers = [], _shard["answers"]
    while (i := _claim(_shard["edges"], front=False)) is not None:
        views = list(_news(spec_flags.views(_shard["spec"], _shard["chunks"][i])))
        rendered.append((i, views, {} if answers is None else answers(views)))
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
