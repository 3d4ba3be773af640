"""Markdown, CSV and LaTeX of a :class:`benchmarks.reporting.paper.build.BuiltTable`.

Every row ends with its run, data, commit and date, its provenance (text encoder, VQA
answerer, generator) and its protocol (clip, size, latency setting, rate, split); a
measured row that differs from the paper's protocol says how ("differs from the paper: …").

CSV keeps every number in a cell of its own: per metric column a value, its 95% CI
half-width and a note (why the cell is empty, how it was measured, or "reported"), never
"x ± y" in one cell; a last ``notes`` column holds each row's notes, and the table's notes
follow the rows as rows of kind ``note``. Reasons are given in full everywhere: in CSV
cells, and under the md/LaTeX table (cells there show the reason's kind).
"""

from __future__ import annotations

import csv
import io

from benchmarks.reporting.numbers import PAPER, format_number
from benchmarks.reporting.paper.cells import BuiltTable, Cell, Row
from benchmarks.reporting.paper.spec import Column

TAIL = ("run", "data", "commit", "date", "provenance", "protocol")


def short(reason: str) -> str:
    """The kind of a reason ("no weights", "no run of coco"): the text before its colon."""
    return reason.split(":")[0].strip()


def reasons(table: BuiltTable) -> list[str]:
    """Each long reason once, "short: long", for the lines under a md or LaTeX table."""
    found = [c.missing for r in table.rows if r.kind == "measured" for c in r.cells
             if c.missing]
    return [r for r in dict.fromkeys(found) if short(r) != r]


def _text(cell: Cell, col: Column, kind: str) -> str:
    """A cell as read by a person (md, LaTeX); a reason in full is listed under the table."""
    if cell.missing:  # the paper's own "—" stays a bare dash; ours say why
        return "—" if kind == "reported" else f"— ({short(cell.missing)})"
    if cell.value is None:
        return cell.text
    text = cell.text if kind == "reported" and cell.text else format_number(cell.value, PAPER)
    if cell.ci95 is not None:
        text += f" ± {format_number(cell.ci95, PAPER)}"
    if cell.note:
        text += f" [{cell.note}]"
    return text


def _protocol(row: Row) -> str:
    """The protocol column of md/LaTeX: the row's protocol, then its notes (how it
    differs from the paper, where it was placed)."""
    return "; ".join(([row.protocol] if row.protocol else []) + row.notes)


def _tail(row: Row) -> list[str]:
    return [row.run, row.data, row.commit, row.date, row.provenance, _protocol(row)]


def to_markdown(table: BuiltTable) -> str:
    spec = table.spec
    header = ["", *(c.title for c in spec.columns), *TAIL]
    lines = [f"**{spec.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    for row in table.rows:
        if row.kind == "section":
            cells = [f"*{row.cells[0].text}*"] + [""] * (len(header) - 2)
            lines.append("| | " + " | ".join(cells) + " |")
            continue
        cells = [_text(c, col, row.kind) for c, col in zip(row.cells, spec.columns, strict=True)]
        lines.append("| " + " | ".join(c.replace("|", "\\|")
                                       for c in [row.kind, *cells, *_tail(row)]) + " |")
    lines += ["", "reported: the paper's numbers as printed (benchmarks/paper_claims/); "
              "measured: this project's runs (demo = the bundled demo sets, not the "
              "benchmark)."]
    lines += [f"Note: {n}" for n in table.notes]
    lines += ["", "Empty cells:"] + [f"- {r}" for r in reasons(table)] if reasons(table) else []
    return "\n".join(lines)


def to_csv(table: BuiltTable) -> str:
    spec = table.spec
    header = ["kind"]
    for col in spec.columns:
        header += [col.title] if col.label else [col.title, f"{col.title} ci95",
                                                 f"{col.title} note"]
    header += [*TAIL, "notes"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in table.rows:
        if row.kind == "section":
            writer.writerow(["section", row.cells[0].text] + [""] * (len(header) - 2))
            continue
        out = [row.kind]
        for cell, col in zip(row.cells, spec.columns, strict=True):
            if col.label:
                out.append(cell.text or (f"({cell.missing})" if cell.missing else ""))
                continue
            if cell.value is not None:
                value = cell.text if row.kind == "reported" and cell.text else repr(
                    round(cell.value, 6))
                ci = "" if cell.ci95 is None else repr(round(cell.ci95, 6))
                out += [value, ci, cell.note or row.kind]
            else:  # a text the paper printed in a number column, or a reason
                out += ["", "", cell.missing or cell.text]
        writer.writerow(out + [row.run, row.data, row.commit, row.date, row.provenance,
                               row.protocol, "; ".join(row.notes)])
    for note in table.notes:
        writer.writerow(["note"] + [""] * (len(header) - 2) + [note])
    return buf.getvalue().rstrip("\n")


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "±": r"$\pm$", "↑": r"$\uparrow$",
          "↓": r"$\downarrow$", "✓": r"\checkmark{}", "✗": r"$\times$", "—": "---",
          "–": "--", "≠": r"$\neq$", "×": r"$\times$", "²": r"$^2$"}


def _esc(text: str) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in text)


def to_latex(table: BuiltTable) -> str:
    spec = table.spec
    header = ["", *(c.title for c in spec.columns), *TAIL]
    lines = [
        "% " + spec.title,
        "\\begin{tabular}{l" + "".join("l" if c.label else "r" for c in spec.columns)
        + "l" * len(TAIL) + "}",
        "\\toprule",
        " & ".join(_esc(h) for h in header) + " \\\\",
        "\\midrule",
    ]
    for row in table.rows:
        if row.kind == "section":
            lines.append(f"\\multicolumn{{{len(header)}}}{{l}}{{\\emph{{"
                         f"{_esc(row.cells[0].text)}}}}} \\\\")
            continue
        cells = []
        for cell, col in zip(row.cells, spec.columns, strict=True):
            text = _esc(_text(cell, col, row.kind))
            cells.append(f"\\emph{{{text}}}" if cell.missing else text)
        lines.append(" & ".join([row.kind, *cells, *map(_esc, _tail(row))]) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    lines += [f"% Note: {_esc(n)}" for n in table.notes]
    lines += [f"% Empty cell: {_esc(r)}" for r in reasons(table)]
    return "\n".join(lines)


def render_table(table: BuiltTable, fmt: str) -> str:
    return {"md": to_markdown, "csv": to_csv, "latex": to_latex}[fmt](table)
