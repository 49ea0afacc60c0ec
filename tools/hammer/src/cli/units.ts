const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `500ms`, `30s`, `2m`, `1m30s`; a bare number is seconds. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return positive(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return positive(parts.reduce((sum, p) => sum + Number(p[1]) * durationUnits[p[2]!]!, 0));
}

/** Calls a second of `200`, `200/s`, `6000/m`. */
export function parseRatePerSecond(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) / (m[2] === 'm' ? 60 : 1);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function positive(ms: number): number | undefined {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
