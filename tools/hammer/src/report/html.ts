import type { Report } from './report.js';
import { escapeXml as esc, lineChart, palette, type Series, type Tick } from './svg-chart.js';

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dt { color: #666; } dd { margin: 0; }
.errors { color: #b00; }
svg.chart { display: block; margin: 12px 0; font-size: 11px; }
svg .title { font-size: 14px; font-weight: 600; } svg .label { fill: #444; }
`;

// x of a percentile on the chart: each further nine doubles the width (90 -> 1, 99 -> 2, ...).
const percentileX = (p: number) => Math.log10(100 / (100 - Math.min(p, 99.999)));
const percentileTicks: Tick[] = [
  [0, '0%'],
  [90, '90%'],
  [99, '99%'],
  [99.9, '99.9%'],
  [99.99, '99.99%'],
  [99.999, '99.999%'],
].map(([p, label]) => ({ value: percentileX(p as number), label: label as string }));

const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const codes = (errors: Readonly<Record<string, number>>) =>
  Object.entries(errors)
    .map(([code, n]) => `${esc(code)}: ${num(n)}`)
    .join(', ');

/** The report as one self-contained HTML page: summary, per-call table, inline SVG charts. */
export function renderHtml(report: Report): string {
  const names = Object.keys(report.calls);
  const color = (i: number) => palette[i % palette.length]!;
  const overTime = (value: (p: Report['timeline'][number], name: string) => number | undefined) =>
    names.map((name, i) => ({
      name,
      color: color(i),
      points: report.timeline.flatMap((p) => {
        const v = value(p, name);
        return v === undefined ? [] : [[p.second, v] as const];
      }),
    }));
  const all = (value: (p: Report['timeline'][number]) => number): Series => ({
    name: 'all calls',
    color: '#222',
    dashed: true,
    points: report.timeline.filter((p) => p.count > 0).map((p) => [p.second, value(p)] as const),
  });
  const latencyOverTime = lineChart(
    [...overTime((p, n) => p.calls[n]?.p99Ms), all((p) => p.p99Ms)],
    { title: 'p99 latency over time', xLabel: 'second of the run', yLabel: 'ms', xMinStep: 1 },
  );
  const throughputOverTime = lineChart(
    [...overTime((p, n) => p.calls[n]?.count ?? 0), all((p) => p.count)],
    {
      title: 'Calls ended per second',
      xLabel: 'second of the run',
      yLabel: 'calls/s',
      xMinStep: 1,
    },
  );
  const distribution = lineChart(
    names.map((name, i) => ({
      name,
      color: color(i),
      points: report.calls[name]!.percentiles.filter((p) => p.percentile < 100).map(
        (p) => [percentileX(p.percentile), p.latencyMs] as const,
      ),
    })),
    {
      title: 'Latency by percentile',
      xLabel: 'percentile',
      yLabel: 'ms',
      xTicks: percentileTicks,
    },
  );
  const rows = names.map((name) => {
    const c = report.calls[name]!;
    const l = c.latencyMs;
    return `<tr><td>${esc(name)}</td><td>${num(report.mix[name] ?? 0)}</td><td>${num(c.count)}</td><td>${num(c.ok)}</td><td class="${c.errorCount > 0 ? 'errors' : ''}">${codes(c.errors) || '0'}</td><td>${num(c.skipped)}</td><td>${num(c.throughputPerSecond)}</td><td>${num(l.p50)}</td><td>${num(l.p90)}</td><td>${num(l.p99)}</td><td>${num(l.p999)}</td><td>${num(l.max)}</td></tr>`;
  });
  const t = report.totals;
  const load =
    report.mode === 'open'
      ? `open loop at ${num(report.ratePerSecond ?? 0)} calls/s (latency from the intended send time)`
      : `closed loop, ${num(report.concurrency ?? 0)} callers (latency from each call's start)`;
  const facts: Array<[string, string]> = [
    ['target', esc(report.target.description)],
    ['started', esc(report.startTime)],
    ['load', load],
    [
      'duration',
      `${num(report.durationMs / 1000)} s (ran ${num(report.elapsedMs / 1000)} s${report.interrupted ? ', interrupted' : ''})`,
    ],
    [
      'calls',
      `${num(t.count)} (${num(t.throughputPerSecond)}/s), ${num(t.ok)} ok, ${num(t.errorCount)} errors${t.errorCount > 0 ? ` (${codes(t.errors)})` : ''}, ${num(t.skipped)} skipped`,
    ],
    [
      'latency, all calls',
      `p50 ${num(t.latencyMs.p50)} ms, p99 ${num(t.latencyMs.p99)} ms, max ${num(t.latencyMs.max)} ms`,
    ],
    ['set up', esc(JSON.stringify(report.setUp))],
    ['cleaned up', esc(JSON.stringify(report.cleanedUp))],
    ...report.notes.map((n): [string, string] => ['note', esc(n)]),
  ];
  // The JSON rides along for tools; `<` is escaped so no string in it can close the script.
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hammer: ${esc(report.target.description)}</title>
<style>${style}</style>
</head>
<body>
<h1>hammer: ${esc(report.target.description)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<h2>Calls</h2>
<table>
<thead><tr><th>call</th><th>weight</th><th>count</th><th>ok</th><th>errors</th><th>skipped</th><th>calls/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Over time</h2>
${latencyOverTime}
${throughputOverTime}
<h2>Distribution</h2>
${distribution}
<script type="application/json" id="report">${json}</script>
</body>
</html>
`;
}
