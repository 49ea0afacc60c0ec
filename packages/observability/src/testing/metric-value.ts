import type { Registry } from 'prom-client';

/**
 * The value of one series in `registry`, or undefined when the series does not exist. For a
 * histogram, name the `_count`, `_sum` or `_bucket` series.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const family = registry.getSingleMetric(name) ? name : name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(family);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? family) === name &&
      Object.entries(labels).every(([key, want]) => String(v.labels[key]) === want),
  );
  return found?.value;
}
