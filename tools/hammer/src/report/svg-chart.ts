/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  /** [x, y] in data units, in x order. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Draws the line dashed (e.g. the all-calls line among per-call lines). */
  readonly dashed?: boolean;
}

export interface Tick {
  readonly value: number;
  readonly label: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly widthPx?: number;
  readonly heightPx?: number;
  /** Ticks of the x axis; default evenly spaced round numbers. */
  readonly xTicks?: readonly Tick[];
  /** Smallest step between default x ticks, e.g. 1 for whole seconds. */
  readonly xMinStep?: number;
}

/** Tableau 10: distinct, readable on white. */
export const palette = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

const margin = { right: 36, bottom: 44, left: 64 };
const legendRowPx = 16;

/** Legend entries left to right, wrapping at `widthPx`: positions relative to the legend's top. */
function legendLayout(series: readonly Series[], widthPx: number) {
  let x = 0;
  let row = 0;
  return series.map((s) => {
    const entryW = s.name.length * 6.5 + 28;
    if (x > 0 && x + entryW > widthPx) {
      x = 0;
      row += 1;
    }
    const at = { series: s, x, row };
    x += entryW;
    return at;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step that splits `span` into about `count` parts: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

function roundTicks(min: number, max: number, count: number, minStep = 0): Tick[] {
  const step = Math.max(niceStep(max - min, count), minStep);
  const ticks: Tick[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    const value = Number(v.toPrecision(12));
    ticks.push({ value, label: String(value) });
  }
  return ticks;
}

/** A line chart as one inline SVG element: axes, grid, one line per series, and a legend. */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const width = o.widthPx ?? 760;
  const height = o.heightPx ?? 320;
  const plotW = width - margin.left - margin.right;
  const legend = legendLayout(series, plotW);
  const rows = legend.length === 0 ? 0 : legend[legend.length - 1]!.row + 1;
  const top = 40 + rows * legendRowPx;
  const plotH = height - top - margin.bottom;
  const points = series.flatMap((s) => s.points);
  const xs = [...points.map((p) => p[0]), ...(o.xTicks ?? []).map((t) => t.value)];
  const xMin = xs.length > 0 ? Math.min(...xs) : 0;
  const xMax = xs.length > 0 ? Math.max(...xs, xMin + 1) : 1;
  const yStep = niceStep(Math.max(...points.map((p) => p[1]), 0) || 1, 5);
  const yMax = Math.max(yStep, Math.ceil(Math.max(...points.map((p) => p[1]), 0) / yStep) * yStep);
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => top + plotH - (y / yMax) * plotH;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}" font-family="system-ui, sans-serif" font-size="11">`,
    `<text x="${margin.left}" y="20" class="title" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`,
  );
  for (const t of roundTicks(0, yMax, 5)) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(sy(t.value))}" y2="${f(sy(t.value))}" class="grid" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${f(sy(t.value) + 4)}" text-anchor="end">${escapeXml(t.label)}</text>`,
    );
  }
  for (const t of o.xTicks ?? roundTicks(xMin, xMax, 8, o.xMinStep)) {
    parts.push(
      `<line x1="${f(sx(t.value))}" x2="${f(sx(t.value))}" y1="${top + plotH}" y2="${top + plotH + 4}" class="axis" stroke="#888"/>`,
      `<text x="${f(sx(t.value))}" y="${top + plotH + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${top}" y2="${top + plotH}" class="axis" stroke="#888"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${top + plotH}" y2="${top + plotH}" class="axis" stroke="#888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="label">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(o.yLabel)}</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p) => `${f(sx(p[0]))},${f(sy(p[1]))}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
    parts.push(
      `<polyline class="series" data-series="${escapeXml(s.name)}" points="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${dash}/>`,
    );
    if (s.points.length <= 40) {
      for (const p of s.points)
        parts.push(`<circle cx="${f(sx(p[0]))}" cy="${f(sy(p[1]))}" r="2.5" fill="${s.color}"/>`);
    }
  }
  for (const { series: s, x, row } of legend) {
    const y = 30 + row * legendRowPx;
    parts.push(
      `<rect x="${f(margin.left + x)}" y="${y}" width="14" height="3" fill="${s.color}"/>`,
      `<text x="${f(margin.left + x + 18)}" y="${y + 5}" class="legend">${escapeXml(s.name)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
