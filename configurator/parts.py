"""A state's parts (its command, the command's source, the notes, each output) rendered from the
options' values, and memoised per spec: the build resolves tens of thousands of states whose
parts mostly repeat. The resolver (resolver.py) computes the options' values and asks for parts."""

from . import conditions, derived, outputs, sources
from .render import _fill, active_rules, fill_ref, render_command


class Memo:
    """One spec's rendered parts (the command, its source, the notes, each output), each kept under
    the values of the references it read: the options' values, their items' facts and table cells
    ("roots"; derived values count as the roots they read). `refs[part]` lists every root the part
    has ever read, so two states with equal values there render it alike. A state that reads a root
    not listed yet adds it, and the part's results (keyed without it) are dropped."""

    def __init__(self, spec):
        self.values = {v.id: v for v in spec.values}
        self.refs, self.results = {}, {}
        self.last = None  # (choices key, option values, option views) of the last resolved state
        # Options whose value some option's visibility, default, disabled or required flag reads:
        # a field outside this set changes nothing but its own view and the parts that read it.
        flags = [o.when for o in spec.options] + [f for o in spec.options for i in o.items
                                                  for f in (i.default, i.disabled, i.required)]
        self.loop_reads = {r.option for f in flags if isinstance(f, conditions.Combine) for r in conditions.refs(f)}


_memos: dict = {}  # id(spec) → (spec, Memo), for the last few specs


def memo(spec) -> Memo:
    entry = _memos.get(id(spec))
    if entry is None or entry[0] is not spec:
        if len(_memos) >= 4:  # a build loads a few specs; serve keeps loading new ones
            _memos.clear()
        entry = _memos[id(spec)] = (spec, Memo(spec))
    return entry[1]


MISSING = object()


class Run:
    """Rendering one state: the options' values are set; derived values are computed when first
    read (each remembers the roots it read), parts come from the memo when their roots match."""

    def __init__(self, spec, values, memo):
        self.spec, self.values, self.memo = spec, values, memo
        self.derived = {}  # value id → (raw value, as shown, roots read)
        self.trace = set()  # roots read by the part being rendered

    def root(self, ref):
        table = self.spec.tables.get(ref.option)
        if table is not None:
            row = table.row(self.values)
            return None if row is None else row.get(ref.fact)
        value = self.values.get(ref.option)
        if value is None or ref.fact is None:
            return value
        return self.spec.by_id[ref.option].item(value).facts.get(ref.fact)

    def lookup(self, ref):
        if ref.option in self.memo.values and ref.fact is None:
            return self._derived(ref.option)[0]
        self.trace.add(ref)
        return self.root(ref)

    def fill(self, ref):
        """Placeholders read derived values as shown (formatted); conditions read the raw ones."""
        if ref.option in self.memo.values and ref.fact is None:
            return self._derived(ref.option)[1]
        return self.lookup(ref)

    def _derived(self, value_id):
        found = self.derived.get(value_id)
        if found is None:
            outer, self.trace = self.trace, set()
            try:
                raw = _derive(self.spec, self.memo.values[value_id], self.lookup, self.fill)
            finally:
                roots, self.trace = self.trace, outer
            fmt = self.memo.values[value_id].format
            found = self.derived[value_id] = (raw, None if raw is None else derived.shown(raw, fmt), roots)
        self.trace |= found[2]
        return found

    def each(self, repeat):
        """Bind a repeated output's value to each number in turn (then the values as they were)."""
        numbers = outputs.repeat_range(repeat, self.lookup(conditions.Ref(repeat[2])))
        kept = self.derived
        bound = self.memo.values.get(repeat[0])
        try:
            for number in numbers:
                self.derived = {} if bound is None else {
                    bound.id: (number, derived.shown(number, bound.format), frozenset())}
                yield number
        finally:
            self.derived = kept

    def key(self, part):
        refs = self.memo.refs.setdefault(part, [])
        found = tuple(self.root(r) for r in refs)
        return found + tuple(map(type, found))  # typed: True is not 1, as in conditions

    def part(self, name, render, extra=()):
        """render(), or the same part's result for a state whose roots it reads are equal."""
        results = self.memo.results.setdefault(name, {})
        key = self.key(name) + extra
        try:
            found = results.get(key, MISSING)
        except TypeError:  # an unhashable fact: render it every time
            found, results = MISSING, None
        if found is not MISSING:
            self.trace.update(self.memo.refs[name])
            return found
        outer, self.trace = self.trace, set()
        try:
            found = render()
        finally:
            read, self.trace = self.trace, outer
        if results is not None:
            refs = self.memo.refs[name]
            new = read.difference(refs)
            if new:  # keys made without these roots no longer tell states apart
                refs += sorted(new, key=repr)
                results.clear()
                key = self.key(name) + extra
            results[key] = found
        self.trace.update(read)  # a part inside another: what it read, the outer one read too
        return found

    def command(self, command=None):
        """The spec's command, or a command output's (`command`: its spec.Command)."""
        # Which rules apply is a part of its own: it reads only the conditions' roots (choices,
        # mostly), so a state that differs in a field's value, say, gets it from the memo.
        active = self.part(("command rules", id(command)), lambda: active_rules(self.spec, self.lookup, command))
        return render_command(self.spec, self.lookup, command, fill=self.fill, active=active)

    def source(self):
        return sources.pick(self.spec.command_source, lambda cond: conditions.holds(cond, self.lookup))

    def notes(self):
        return [{"level": n.level, "text": n.text, **({"source": n.source} if n.source else {})}
                for n in self.spec.notes if n.when is None or conditions.holds(n.when, self.lookup)]

    def output(self, output, field_errors):
        """The output as the view lists it, or None where it does not apply."""
        shown = outputs.render_outputs(
            (output,), lambda ref: fill_ref(ref, self.spec, self.fill),
            lambda cond: conditions.holds(cond, self.lookup),
            lambda command: self.command(command)[0],
            field_errors, self.each)
        return shown[0] if shown else None

    def output_part(self, output, field_errors):
        errors = tuple((field_errors or {}).get(f) for f in output.fields)  # they show in the text
        return self.part(("output", output.id), lambda: self.output(output, field_errors), errors)

    def outputs(self, field_errors):
        return [o for o in (self.output_part(out, field_errors) for out in self.spec.outputs) if o is not None]


def _derive(spec, value, lookup, fill):
    if value.calc is not None:
        return derived.evaluate(value.calc, lookup)
    for when, template in value.alternatives:
        if when is not None and not conditions.holds(when, lookup):
            continue
        if template is None:
            return None
        filled = _fill(template, spec, fill)
        if filled is not None:
            return filled
    return None
