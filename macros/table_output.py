"""A `lang: table` output as HTML at build time (the page script renders the same from the same text).

Lines holding " | " are table rows, the first of a run its header; other lines are paragraphs
(blank ones dropped); `[label](https://…)` is a link, `**…**` strong. No rule lives here: the text
comes whole from the engine. No line breaks in the result: Markdown would end the raw HTML
block at a blank line."""

import html
import re

import markupsafe

LINK = re.compile(r"\[([^\]]+)\]\((https://[^\s)]+)\)")
SEP = " | "


def _cell(text: str) -> markupsafe.Markup:
    """`**strong**` spans, the rest with its links."""
    parts = text.split("**")
    return markupsafe.Markup("").join(
        markupsafe.Markup("<strong>{}</strong>").format(_links(part)) if i % 2 else _links(part)
        for i, part in enumerate(parts))


def _links(text: str) -> markupsafe.Markup:
    out, at = [], 0
    for m in LINK.finditer(text):
        out.append(markupsafe.escape(text[at:m.start()]))
        out.append(markupsafe.Markup('<a href="{}">{}</a>').format(m.group(2), m.group(1)))
        at = m.end()
    out.append(markupsafe.escape(text[at:]))
    return markupsafe.Markup("").join(out)


def blocks(text: str):
    """[("p", line) | ("table", header cells, [row cells])] in order."""
    out, in_table = [], False
    for line in text.split("\n"):
        if SEP in line:
            cells = line.split(SEP)
            if in_table:
                out[-1][2].append(cells)
            else:
                out.append(("table", cells, []))
            in_table = True
            continue
        in_table = False  # any other line, blank too, ends the table
        if line.strip():
            out.append(("p", line))
    return out


def table_html(text: str) -> markupsafe.Markup:
    html = []
    for block in blocks(text):
        if block[0] == "p":
            html.append(markupsafe.Markup("<p>{}</p>").format(_cell(block[1])))
            continue
        _, head, rows = block
        html.append(markupsafe.Markup('<div class="sb-table-wrap"><table class="sb-table"><thead><tr>'))
        html.extend(markupsafe.Markup('<th scope="col">{}</th>').format(_cell(c)) for c in head)
        html.append(markupsafe.Markup("</tr></thead><tbody>"))
        for cells in rows:
            html.append(markupsafe.Markup("<tr>"))
            for i, c in enumerate(cells):
                label = head[i] if i < len(head) else ""
                tag = "th" if i == 0 else "td"
                scope = ' scope="row"' if i == 0 else ""
                html.append(markupsafe.Markup('<{}{} data-label="{}">{}</{}>').format(
                    markupsafe.Markup(tag), markupsafe.Markup(scope), label, _cell(c), markupsafe.Markup(tag)))
            html.append(markupsafe.Markup("</tr>"))
        html.append(markupsafe.Markup("</tbody></table></div>"))
    return markupsafe.Markup("").join(html)


def text_content(text: str) -> str:
    """What the rendered output's textContent reads (the cells run together, as in the DOM)."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(table_html(text))))
