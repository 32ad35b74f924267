"""The statistical methods page: docs/statistics.md shown to officers, so that the report's
"About these figures" can point to how every number on it is worked out.

The file is plain Markdown of a few kinds of block (headings, paragraphs, bullet lists and
indented formulas), so it is turned into GOV.UK-styled HTML here rather than with a Markdown
library; everything is escaped first."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

METHODS_FILE = Path(settings.BASE_DIR) / "docs" / "statistics.md"
HEADINGS = {1: "govuk-heading-l", 2: "govuk-heading-m", 3: "govuk-heading-s"}


def _inline(text: str) -> str:
    text = escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", text)


def methods_html(text: str) -> tuple[str, SafeString]:
    """The page title (the first heading) and the rest as HTML."""
    title = ""
    html: list[str] = []
    blocks = re.split(r"\n\s*\n", text.strip())
    for block in blocks:
        lines = block.split("\n")
        heading = re.match(r"^(#{1,3}) (.*)$", lines[0])
        if heading and len(lines) == 1:
            level = len(heading.group(1))
            if level == 1 and not title:
                title = heading.group(2)
                continue
            tag = f"h{min(level + 0, 3)}"
            html.append(f'<{tag} class="{HEADINGS[level]}">{_inline(heading.group(2))}</{tag}>')
        elif all(line.startswith("    ") for line in lines):
            code = escape("\n".join(line[4:] for line in lines))
            html.append(f'<pre class="collab-formula" tabindex="0"><code>{code}</code></pre>')
        elif all(line.startswith("|") for line in lines) and len(lines) > 2:
            html.append(_table(lines))
        elif lines[0].startswith("- ") or re.match(r"^\d+\. ", lines[0]):
            numbered = not lines[0].startswith("- ")
            items: list[str] = []
            for line in lines:
                item = re.match(r"^(?:\d+\.|-) (.*)$", line)
                if item:
                    items.append(item.group(1))
                else:
                    items[-1] += " " + line.strip()
            tag, style = ("ol", "number") if numbered else ("ul", "bullet")
            html.append(
                f'<{tag} class="govuk-list govuk-list--{style}">'
                + "".join(f"<li>{_inline(item)}</li>" for item in items)
                + f"</{tag}>"
            )
        else:
            paragraph = " ".join(line.strip() for line in lines)
            html.append(f'<p class="govuk-body">{_inline(paragraph)}</p>')
    # Safe: every piece of text above went through escape() first.
    return title, mark_safe("\n".join(html))


def _table(lines: list[str]) -> str:
    """A Markdown table (header, separator, rows) as a GOV.UK table."""

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.strip().strip("|").split("|")]

    numeric = [spec.strip().endswith(":") for spec in cells(lines[1])]
    head = "".join(
        f'<th scope="col" class="govuk-table__header'
        f'{" govuk-table__header--numeric" if numeric[i] else ""}">{_inline(text)}</th>'
        for i, text in enumerate(cells(lines[0]))
    )
    body = ""
    for line in lines[2:]:
        row = cells(line)
        body += (
            '<tr class="govuk-table__row">'
            f'<th scope="row" class="govuk-table__header">{_inline(row[0])}</th>'
            + "".join(
                f'<td class="govuk-table__cell'
                f'{" govuk-table__cell--numeric" if numeric[i + 1] else ""}">{_inline(text)}</td>'
                for i, text in enumerate(row[1:])
            )
            + "</tr>"
        )
    return (
        '<table class="govuk-table"><thead class="govuk-table__head"><tr class="govuk-table__row">'
        f'{head}</tr></thead><tbody class="govuk-table__body">{body}</tbody></table>'
    )


@cache
def methods_page() -> tuple[str, SafeString]:
    return methods_html(METHODS_FILE.read_text(encoding="utf-8"))
