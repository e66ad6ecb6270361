"""MkDocs hook: the data page's table of datasets, generated from `dive.data.DATASETS` at build time, so the page
says what the code looks for."""

from __future__ import annotations

MARKER = "<!-- datasets-table -->"


def _table() -> str:
    from dive.data import DATASETS

    rows = ["| dataset | what it is | files | canonical source |", "|---|---|---|---|"]
    for name in sorted(DATASETS, key=str.lower):
        spec = DATASETS[name]
        files = ", ".join(f"`{f.name}`" for f in spec.files) or "a folder (checked by its tree digest)"
        url = next((f.url for f in spec.files if getattr(f, "url", "")), "")
        source = f"<{url}>" if url else "-"
        rows.append(f"| `{name}` | {spec.description.replace('|', '/')} | {files} | {source} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - MkDocs' hook signature
    return markdown.replace(MARKER, _table()) if MARKER in markdown else markdown
