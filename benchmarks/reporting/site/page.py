"""The leaderboard's ``index.html``: one sortable table per task, plots, Fig. 29.

Everything is inline (CSS, JS; images are files beside it): the page opens from disk
with no server and fetches nothing. Clicking a column header sorts that table by it
(numbers numerically, missing values last); clicking again reverses.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

from benchmarks.reporting.distance_marks import flag_text, protocol_name, small_n
from benchmarks.reporting.numbers import TABLE, format_number
from benchmarks.reporting.site.collect import RunEntry

PLOTS_SHOWN = 8  # per run; the rest are linked

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1500px;padding:0 1em;
color:#222}.scroll{overflow-x:auto}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f3f3f3;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.t,th.t{text-align:left}tr.demo td:first-child::after{content:" (demo)";color:#b35900}
.ci{color:#777;font-size:.85em}.na{color:#999;font-style:italic}
.notice{background:#fff4e5;border:1px solid #f0c080;padding:.5em 1em}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plots figure{margin:0;max-width:380px}
.plots img{max-width:380px;border:1px solid #ddd}.plots figcaption{font-size:.8em;color:#555}
"""

JS = """
function cellKey(td){const v=td.getAttribute('data-sort');
  if(v===null||v===''){return null;} const n=Number(v); return isNaN(n)?v.toLowerCase():n;}
function sortTable(th){
  const table=th.closest('table'), body=table.tBodies[0], idx=th.cellIndex;
  const asc=th.getAttribute('aria-sort')!=='ascending';
  for(const h of table.tHead.rows[0].cells){h.removeAttribute('aria-sort');}
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  const rows=Array.from(body.rows);
  rows.sort(function(a,b){
    const x=cellKey(a.cells[idx]), y=cellKey(b.cells[idx]);
    if(x===null&&y===null){return 0;} if(x===null){return 1;} if(y===null){return -1;}
    if(typeof x===typeof y){return (x<y?-1:x>y?1:0)*(asc?1:-1);}
    return (typeof x==='number'?-1:1);
  });
  for(const r of rows){body.appendChild(r);}
}
document.addEventListener('DOMContentLoaded',function(){
  for(const th of document.querySelectorAll('table.board th')){
    th.addEventListener('click',function(){sortTable(th);});
  }
});
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _metric_columns(entries: list[RunEntry]) -> list[tuple[str, bool | None]]:
    cols: dict[str, bool | None] = {}
    for e in entries:
        for name in list(e.summary.metrics) + list(e.summary.unavailable):
            cols.setdefault(name, e.summary.higher_is_better.get(name))
    return list(cols.items())


def _header(name: str, entries: list[RunEntry]) -> str:
    """The metric's name with the distance protocol(s) its runs recorded."""
    found = dict.fromkeys(p for e in entries if (p := protocol_name(e.summary, name)))
    return f"{name} ({', '.join(found)})" if found else name


def _links(e: RunEntry) -> str:
    names = {"config.json": "config", "samples.jsonl": "samples", "summary.json": "summary",
             "failures.jsonl": "failures"}
    return " ".join(f'<a href="{_e(path)}">{names[n]}</a>' for n, path in e.files.items())


def task_table(task: str, entries: list[RunEntry]) -> str:
    metrics = _metric_columns(entries)
    with_protocol = any(e.protocol for e in entries)
    head = ['<th class="t">run</th>', '<th class="t">tokenizer</th>', '<th class="t">data</th>',
            *(['<th class="t">task arguments</th>'] if with_protocol else []),
            "<th>samples</th>"]
    for name, hib in metrics:
        arrow = "" if hib is None else (" ↑" if hib else " ↓")
        head.append(f"<th>{_e(_header(name, entries) + arrow)}</th>")
    head += ['<th class="t">commit</th>', '<th class="t">date</th>',
             '<th class="t">files</th>']
    rows = []
    for e in entries:
        s = e.summary
        demo = s.demo_data
        data = "demo" if demo else str(s.data_root or "")
        shown = data if len(data) <= 32 else "…" + data[-31:]
        args = " ".join(f"{k}={v}" for k, v in sorted(s.tokenizer_args.items()))
        cells = [
            f'<td class="t" data-sort="{_e(e.name)}">{_e(e.name)}</td>',
            f'<td class="t" data-sort="{_e(s.tokenizer)}" title="{_e(args)}">'
            f'{_e(s.tokenizer)}</td>',
            f'<td class="t" data-sort="{_e(data)}" title="{_e(data)}">{_e(shown)}</td>',
            *([f'<td class="t" data-sort="{_e(e.protocol)}">{_e(e.protocol or "as the task")}'
               "</td>"] if with_protocol else []),
            f'<td data-sort="{int(s.n_samples or 0)}">{int(s.n_samples or 0)}</td>',
        ]
        for name, _ in metrics:
            value = s.metrics.get(name)
            if name in s.unavailable:
                reason = str(s.unavailable[name]).split(". ")[0]
                cells.append(f'<td class="na" data-sort="" title="{_e(reason)}">'
                             "unavailable</td>")
            elif value is None:
                cells.append('<td class="na" data-sort="">n/a</td>')
            else:
                ci = s.metrics_ci95.get(name)
                ci_html = (f' <span class="ci">± {format_number(ci, TABLE, like=value)}</span>'
                           if ci is not None and math.isfinite(ci) else "")
                key = "1e308" if math.isinf(value) else repr(float(value))
                mark, why = small_n(s, name), flag_text(s, name)
                mark_html = (f' <span class="ci" title="{_e(why)}">({_e(mark)})</span>'
                             if mark else "")
                protocol = protocol_name(s, name)
                title = f' title="{_e(protocol)}"' if protocol else ""
                cells.append(f'<td data-sort="{key}"{title}>{format_number(value, TABLE)}'
                             f"{ci_html}{mark_html}</td>")
        commit = str(s.git_commit or "unrecorded")[:10]
        date = str(s.timestamp or "unrecorded")
        cells += [f'<td class="t" data-sort="{_e(commit)}">{_e(commit)}</td>',
                  f'<td class="t" data-sort="{_e(date)}">{_e(date)}</td>',
                  f'<td class="t" data-sort="">{_links(e)}</td>']
        rows.append(f'<tr class="{"demo" if demo else ""}">' + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="board" id="table-{_e(task)}"><thead><tr>'
            f'{"".join(head)}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def plots_block(entries: list[RunEntry]) -> str:
    parts = []
    for e in entries:
        if not e.plots:
            continue
        figs = "".join(
            f'<figure><img src="{_e(p)}" alt="{_e(p)}"><figcaption>{_e(p.split("/")[-1])}'
            "</figcaption></figure>" for p in e.plots[:PLOTS_SHOWN])
        more = "".join(f' <a href="{_e(p)}">{_e(p.split("/")[-1])}</a>'
                       for p in e.plots[PLOTS_SHOWN:])
        parts.append(f"<h3>{_e(e.name)} plots ({len(e.plots)})</h3>"
                     f'<div class="plots">{figs}</div>'
                     + (f"<p>more:{more}</p>" if more else ""))
    return "".join(parts)


def render(by_task: dict[str, list[RunEntry]], *, runs_label: str,
           utilization: tuple[str | None, str]) -> str:
    """The whole page; ``utilization`` is (png path or None, caption or why missing)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    any_demo = any(e.summary.demo_data for es in by_task.values() for e in es)
    body = [f"<h1>Video tokenizer leaderboard</h1><p>{sum(map(len, by_task.values()))} runs "
            f"of {len(by_task)} task(s) from <code>{_e(runs_label)}</code>, generated {now}. "
            "Click a column header to sort; click again to reverse. ↑/↓: higher/lower is "
            "better; ± is the 95% CI half-width.</p>"]
    if any_demo:
        body.append('<p class="notice">Rows marked (demo) ran on the bundled demo sets: a '
                    "smoke test, not comparable with the paper's benchmark numbers.</p>")
    body.append("<nav>" + " · ".join(f'<a href="#{_e(t)}">{_e(t)}</a>' for t in by_task)
                + ' · <a href="#utilization">codebook utilization</a></nav>')
    for task, entries in by_task.items():
        body.append(f'<h2 id="{_e(task)}">{_e(task)}</h2>')
        body.append(task_table(task, entries))
        body.append(plots_block(entries))
    png, caption = utilization
    body.append('<h2 id="utilization">Codebook utilization vs resolution (Fig. 29)</h2>')
    if png:
        body.append(f'<div class="plots"><figure><img src="{_e(png)}" alt="utilization">'
                    f"<figcaption>{_e(caption)}</figcaption></figure></div>")
    else:
        body.append(f'<p class="na">Missing: {_e(caption)}</p>')
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Video tokenizer leaderboard</title><link rel=\"icon\" href=\"data:,\">"
            f"<style>{CSS}</style><script>{JS}</script></head><body>"
            + "\n".join(body) + "</body></html>\n")
