"""Sources as data: what each command, output and note reproduces, and from which version.

    sources:
      - id: sglang-docs
        title: SGLang docs generator
        url: https://docs.sglang.io/...            # the page readers know
        repo: sgl-project/sglang                   # repo, path and commit: all or none
        path: docs/src/snippets/.../deployment.jsx
        commit: 00d56e2c6c28b4130447601a15168743dd78821c
        date: "2026-08-25"                          # the version reproduced (YYYY-MM-DD); optional with a commit
        licence: Apache-2.0
    command:
      source: sglang-docs                          # or [{when: …, id: …}, …, {id: …}]
    outputs:
      - {id: verify, source: lambda-guide, …}
    notes:
      - {text: …, source: sglang-page}

The page shows "<title> as of <date> (<short commit>)" linked to the exact file at that
commit (else to `url`), so a reader can see what the command reproduces and how fresh it is.
"""

import re
from dataclasses import dataclass

from . import conditions

DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
COMMIT = re.compile(r"[0-9a-f]{7,40}\Z")
REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
URL = re.compile(r"https://[^\s\"'<>]+\Z")
SHORT = 7


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    date: str | None  # required without a commit (a commit identifies the version by itself)
    repo: str | None = None
    path: str | None = None
    commit: str | None = None
    licence: str | None = None

    @property
    def href(self) -> str:
        """The exact file at the reproduced commit, or the page."""
        if self.commit:
            return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"
        return self.url

    @property
    def label(self) -> str:
        if self.date is None:
            return f"{self.title} at {self.commit[:SHORT]}"
        short = f" ({self.commit[:SHORT]})" if self.commit else ""
        return f"{self.title} as of {self.date}{short}"

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "label": self.label, "href": self.href,
                "url": self.url, "date": self.date, "repo": self.repo, "path": self.path,
                "commit": self.commit, "licence": self.licence}


def parse_sources(c, raw) -> dict:
    """id → Source, in the spec's order."""
    if not isinstance(raw, list):
        c.fail("sources", "expected a list")
    out = {}
    for i, entry in enumerate(raw):
        where = c.place("sources", i, entry)
        c.keys(entry, where, ("id", "title", "url"), ("date", "repo", "path", "commit", "licence"))
        sid = c.ident(entry["id"], f"{where}.id")
        if sid in out:
            c.fail(f"{where}.id", "duplicate source id")
        url = c.text(entry["url"], f"{where}.url")
        if not URL.match(url):
            c.fail(f"{where}.url", f"expected an https:// address, got {url!r}")
        date = entry.get("date")
        if date is None and entry.get("commit") is None:
            c.fail(where, "missing required field 'date' (the version reproduced), needed without a commit")
        if date is not None and (not isinstance(date, str) or not DATE.match(date)):
            c.fail(f"{where}.date", "expected a date as a quoted string, YYYY-MM-DD")
        git = [entry.get(k) for k in ("repo", "path", "commit")]
        if any(v is not None for v in git) and not all(isinstance(v, str) and v for v in git):
            c.fail(where, "give repo, path and commit together (the exact file at that commit), or none")
        repo, path, commit = git
        if repo is not None and not REPO.match(repo):
            c.fail(f"{where}.repo", f"expected owner/name, got {repo!r}")
        if commit is not None and not COMMIT.match(commit):
            c.fail(f"{where}.commit", f"expected a git commit (7 to 40 lowercase hex digits), got {commit!r}")
        if path is not None and (path.startswith("/") or ".." in path.split("/") or not URL.match("https://x/" + path)):
            c.fail(f"{where}.path", f"expected a path inside the repository, got {path!r}")
        out[sid] = Source(sid, c.text(entry["title"], f"{where}.title"), url, date, repo, path, commit,
                          c.text(entry.get("licence"), f"{where}.licence", optional=True))
    return out


def parse_ref(c, raw, where, sources, check_cond):
    """`source:` on a command, output or note: an id, or (commands) alternatives like `program`'s.

    Returns ((condition, id), ...) with the last condition None, or None when absent."""
    if raw is None:
        return None
    alts = raw if isinstance(raw, list) else [{"id": raw}]
    if not alts:
        c.fail(where, "expected a source id or a non-empty list of alternatives")
    out = []
    for i, alt in enumerate(alts):
        here = f"{where}[{i}]" if isinstance(raw, list) else where
        if isinstance(raw, list):
            c.keys(alt, here, ("id",), ("when",))
        sid = alt["id"]
        if not isinstance(sid, str) or sid not in sources:
            known = ", ".join(sources) or "none: add a top-level `sources:` list"
            c.fail(here, f"unknown source {sid!r} (sources: {known})")
        when = conditions.parse(alt["when"], f"{here}.when", c.fail) if "when" in alt else None
        check_cond(when, f"{here}.when")
        out.append((when, sid))
    if out[-1][0] is not None:
        c.fail(f"{where}[{len(out) - 1}]", "the last alternative must have no 'when', so a source always applies")
    return tuple(out)


def pick(ref, holds):
    """The source id that applies, or None."""
    if ref is None:
        return None
    return next(sid for when, sid in ref if when is None or holds(when))
