"""Lookup tables: values keyed by the chosen items of several options.

    tables:
      - id: fit
        keys: [size, hardware]          # radio options; the row's first cells, in this order
        columns: [tp, mem]              # then one value per column: {fit.tp}, {fit.mem}
        unavailable: MI300X runs only the 31B and 26B-A4B variants.
        rows:
          - [e2b, [h200, b200], 1, "0.85"]   # a list of item ids covers each of them

A combination with no row is a load-time error, unless the table declares `unavailable`:
then the last key's item is disabled with that reason wherever its row is missing, so a
missing cell can never be chosen, crash, or leave a flag without its value.
"""

import itertools
from dataclasses import dataclass

from .conditions import SCALARS


@dataclass(frozen=True)
class Table:
    id: str
    keys: tuple  # option ids
    columns: tuple
    cells: dict  # tuple of item ids → {column: value}
    unavailable: str | None  # reason shown for a missing cell, or None (every cell present)

    def row(self, values):
        """The cell for the current choices, or None (a key option hidden or unset, or no row)."""
        key = tuple(values.get(k) for k in self.keys)
        return None if None in key else self.cells.get(key)


def parse_table(c, raw, index, by_id, ident):
    where = c.place("tables", index, raw)
    c.keys(raw, where, ("id", "keys", "columns", "rows"), ("unavailable",))
    table_id = ident(raw["id"], f"{where}.id")
    keys, columns = raw["keys"], raw["columns"]
    if not isinstance(keys, list) or not keys or len(set(map(str, keys))) != len(keys):
        c.fail(f"{where}.keys", "expected a non-empty list of distinct option ids")
    for key in keys:
        opt = by_id.get(key) if isinstance(key, str) else None
        if opt is None or opt.kind != "radio":
            c.fail(f"{where}.keys", f"{key!r} is not a radio option (tables are keyed by radio options)")
    if not isinstance(columns, list) or not columns or len(set(map(str, columns))) != len(columns):
        c.fail(f"{where}.columns", "expected a non-empty list of distinct column names")
    for column in columns:
        ident(column, f"{where}.columns")
    rows = raw["rows"]
    if not isinstance(rows, list) or not rows:
        c.fail(f"{where}.rows", "expected a non-empty list of rows")
    cells = {}
    for r, row in enumerate(rows):
        here = f"{where}.rows[{r}]"
        if not isinstance(row, list) or len(row) != len(keys) + len(columns):
            c.fail(here, f"expected a list of {len(keys)} key(s) ({', '.join(keys)}) "
                         f"then {len(columns)} value(s) ({', '.join(columns)})")
        choices = []
        for key, cell in zip(keys, row):
            ids = cell if isinstance(cell, list) else [cell]
            for item_id in ids:
                if not isinstance(item_id, str) or by_id[key].item(item_id) is None:
                    c.fail(here, f"unknown item {item_id!r} of option '{key}'")
            choices.append(ids)
        values = row[len(keys):]
        for value in values:
            if not isinstance(value, SCALARS) or value == "":
                c.fail(here, "table values must be plain non-empty values (text, numbers, true/false)")
        for combo in itertools.product(*choices):
            if combo in cells:
                c.fail(here, "a second row for " + _named(keys, combo))
            cells[combo] = dict(zip(columns, values))
    unavailable = c.text(raw.get("unavailable"), f"{where}.unavailable", optional=True)
    if unavailable is None:
        for combo in itertools.product(*([i.id for i in by_id[k].items] for k in keys)):
            if combo not in cells:
                c.fail(f"{where}.rows", f"no row for {_named(keys, combo)}: add one, or declare "
                                        "`unavailable` with a reason readers see")
    return Table(table_id, tuple(keys), tuple(columns), cells, unavailable)


def _named(keys, combo):
    return ", ".join(f"{k}={v}" for k, v in zip(keys, combo))
