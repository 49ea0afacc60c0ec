import type { Report } from '../report/report.js';

const cell = (v: string | number) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v;

/** The report as a short text table, as the CLI prints it at the end. */
export function summaryText(report: Report): string {
  const header = [
    'CALL',
    'COUNT',
    'ERRORS',
    'CALLS/S',
    'P50 MS',
    'P90 MS',
    'P99 MS',
    'P99.9 MS',
    'MAX MS',
  ];
  const row = (name: string, c: Report['totals'] | Report['calls'][string]) => [
    name,
    cell(c.count),
    Object.entries(c.errors)
      .map(([code, n]) => `${code}:${n}`)
      .join(',') || '0',
    cell(c.throughputPerSecond),
    cell(c.latencyMs.p50),
    cell(c.latencyMs.p90),
    cell(c.latencyMs.p99),
    cell(c.latencyMs.p999),
    cell(c.latencyMs.max),
  ];
  const rows = [
    header,
    ...Object.entries(report.calls).map(([name, c]) => row(name, c)),
    row('all', report.totals),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  '),
  );
  const notes = [
    ...(report.interrupted
      ? [
          `interrupted after ${cell(report.elapsedMs / 1000)} s of ${cell(report.durationMs / 1000)} s`,
        ]
      : []),
    ...report.notes,
  ];
  return `${lines.join('\n')}\n${notes.map((n) => `note: ${n}\n`).join('')}`;
}
