"""A spec's state space: every combination of choices, and the check that none of them
leaves a shown radio without a choosable item. Sits above the resolver (it resolves states);
the loader calls `check_every_state` after building the Spec.
"""

from .resolver import resolve, resolve_state
from .spec import CHOICE_KINDS, Spec

MAX_CHECKED_STATES = 4096


def all_states(spec: Spec, unset: bool = False, limit: int | None = None):
    """Every combination of radio items and checkbox sets (disabled items included), in spec order.

    A checkbox set is a list of item ids in the spec's order. With `unset`, each option may
    also be left out (no choice made). Returns None as soon as there would be more than
    `limit` combinations, before building them all.
    """
    combos = [{}]
    for opt in spec.options:
        if opt.kind == "radio":
            per_option = len(opt.items) + unset
        elif opt.kind == "checkbox":
            per_option = 2 ** len(opt.items) + unset
        else:
            continue
        if limit is not None and len(combos) * per_option > limit:
            return None
        if opt.kind == "radio":
            choices = [item.id for item in opt.items]
        else:
            ids = [item.id for item in opt.items]
            choices = [[i for n, i in enumerate(ids) if mask >> n & 1] for mask in range(2 ** len(ids))]
        choices = ([None] if unset else []) + choices
        combos = [c if i is None else {**c, opt.id: i} for c in combos for i in choices]
    return combos


def reachable_states(spec: Spec, limit: int | None = None):
    """Every combination of choices that can give a different view: like all_states, but an
    option hidden by the choices before it (in resolution order) is not varied, since a hidden
    option's choice changes nothing. Returns None past `limit` combinations.

    Kept for the last specs it was asked about (the build's every-state and engine-release checks
    both ask, with different limits): the list only grows as options are added, so the full list
    compared with a limit says what stopping at that limit would have said."""
    found = _reachable.get(id(spec))
    if found is None or found[0] is not spec or (found[1] is None and (limit is None or limit > found[2])):
        if len(_reachable) >= 4:
            _reachable.clear()
        found = _reachable[id(spec)] = (spec, _reachable_states(spec, limit), limit)
    combos = found[1]
    if combos is None or (limit is not None and len(combos) > limit):
        return None
    return list(combos)


_reachable: dict = {}  # id(spec) → (spec, its reachable states or None, the limit they were sought under)


def _reachable_states(spec: Spec, limit: int | None):
    combos = [{}]
    for opt_id in spec.order:
        opt = spec.by_id[opt_id]
        if opt.kind not in CHOICE_KINDS:
            continue
        if opt.kind == "radio":
            choices = [item.id for item in opt.items]
        else:
            ids = [item.id for item in opt.items]
            choices = [[i for n, i in enumerate(ids) if mask >> n & 1] for mask in range(2 ** len(ids))]
        grown = []
        for combo in combos:
            # Its `when` names only options resolved before it, all chosen in `combo` by now.
            if opt.when is not None and not next(v for v in resolve(spec, combo)["options"] if v["id"] == opt_id)["visible"]:
                grown.append(combo)
            else:
                grown += [{**combo, opt_id: choice} for choice in choices]
            if limit is not None and len(grown) > limit:
                return None
        combos = grown
    return combos


def check_every_state(c, spec):
    """In every state, each shown radio keeps a choosable item and no checkbox is both required and disabled."""
    states = reachable_states(spec, limit=MAX_CHECKED_STATES)
    if states is None:
        return  # too many to enumerate; resolution still degrades safely (no value, no flags)
    reported = set()  # each place once, in the first state that shows the problem
    for choices in states:
        for view in resolve_state(spec, choices)["options"]:
            if view["visible"] and view["kind"] == "radio" and view["value"] is None:
                others = ", ".join(f"{k}={v}" for k, v in choices.items() if k != view["id"])
                where = f"options.{view['id']}.items"
                with c.part():
                    if where not in reported:
                        reported.add(where)
                        c.fail(where, f"no item can be chosen when {others}: all are disabled")
            if view["visible"] and view["kind"] == "checkbox":
                for item in view["items"]:
                    if item["required"] and item["id"] not in view["value"]:
                        others = ", ".join(f"{k}={v}" for k, v in choices.items() if k != view["id"])
                        where = f"options.{view['id']}.items.{item['id']}"
                        with c.part():
                            if where not in reported:
                                reported.add(where)
                                c.fail(where, f"is both required and disabled when {others}")
