"""The client model: what the page script needs to know about a spec, and nothing more.

It is made from the validated Spec (never from the authored dict), so every decision that
depends on the spec's rules (an option's kind when `type` is left out, which item ids exist,
what is a free-form field, which URL keys the configurator owns, what an unknown id is called)
is taken here, once, in Python. The page script reads these lists and looks things up in them;
it has no rule of its own. Pure standard library: it runs at build time and in Pyodide.

    {"name": spec name,
     "options": [{"id", "kind": "radio" | "checkbox" | "text" | "integer",
                  # choices only:
                  "items": [item id, ...], "labels": [item label, ...] (same order),
                  "unknown": the reason a URL value that is no item is ignored}],
     "fields": [option id, ...],    # free-form fields: their entries only Python can apply
     "keys": [option id, ...]}      # the URL query keys the configurator reads and writes

A checkbox option's URL value is its checked ids joined by "," (as resolve() writes `query`).
"""

CHOICE_KINDS = ("radio", "checkbox")


def client_model(spec) -> dict:
    return {
        "name": spec.name,
        "options": [_option(o) for o in spec.options],
        "fields": [o.id for o in spec.options if o.kind not in CHOICE_KINDS],
        # Every option's value travels in the query under its id (resolve's `query`).
        "keys": [o.id for o in spec.options],
    }


def _option(opt) -> dict:
    out = {"id": opt.id, "kind": opt.kind}
    if opt.kind in CHOICE_KINDS:
        out["items"] = [item.id for item in opt.items]
        out["labels"] = [item.label for item in opt.items]
        # The words resolve() reports for an id that is no item (tests/test_client_model.py
        # holds the two together): the page shows them before Python has loaded.
        out["unknown"] = f"no such choice for {opt.title}"
    return out
