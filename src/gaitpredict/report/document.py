"""A tiny document model rendered twice: Markdown, and self-contained HTML (images inlined)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path


class Document:
    def __init__(self, title: str):
        self.title = title
        self.items: list[tuple] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.items.append(("heading", level, text))

    def text(self, text: str) -> None:
        self.items.append(("text", text))

    def bullets(self, lines: list[str]) -> None:
        self.items.append(("bullets", lines))

    def table(self, header: list[str], rows: list[list]) -> None:
        self.items.append(("table", header, [[str(c) for c in r] for r in rows]))

    def image(self, path: Path, caption: str) -> None:
        self.items.append(("image", Path(path), caption))

    def markdown(self, base: Path) -> str:
        out = [f"# {self.title}", ""]
        for kind, *args in self.items:
            if kind == "heading":
                out += ["#" * args[0] + " " + args[1], ""]
            elif kind == "text":
                out += [args[0], ""]
            elif kind == "bullets":
                out += [f"- {line}" for line in args[0]] + [""]
            elif kind == "table":
                header, rows = args
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                out += ["| " + " | ".join(r) + " |" for r in rows]
                out.append("")
            elif kind == "image":
                out += [f"![{args[1]}]({args[0].relative_to(base).as_posix()})", f"*{args[1]}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        body = [f"<h1>{_inline(self.title)}</h1>"]
        for kind, *args in self.items:
            if kind == "heading":
                body.append(f"<h{args[0]}>{_inline(args[1])}</h{args[0]}>")
            elif kind == "text":
                body.append(f"<p>{_inline(args[0])}</p>")
            elif kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in args[0]) + "</ul>")
            elif kind == "table":
                header, rows = args
                head = "".join(f"<th>{_inline(h)}</th>" for h in header)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif kind == "image":
                data = base64.b64encode(args[0].read_bytes()).decode()
                body.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(args[1])}">'
                    f"<figcaption>{_inline(args[1])}</figcaption></figure>"
                )
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body)
            + "</body></html>\n"
        )


_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;"
    "text-align:right}th{background:#eee}td:first-child{text-align:left}"
    "img{max-width:100%}figcaption{font-style:italic;color:#444}code{background:#f3f3f3}"
)


def _inline(text: str) -> str:
    """Escape, then the two Markdown marks the report uses: `code` and **bold**."""
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
