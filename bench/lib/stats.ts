/** Medians and the ratio tables every benchmark prints. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}

export interface Series {
  name: string;
  values: number[];
}

/** One row per series: median, min–max, and the ratio of its median to each baseline's. */
export function ratioTable(
  title: string,
  unit: string,
  series: Series[],
  baselines: Array<{ name: string; label: string }>,
  higherIsBetter: boolean,
): string[] {
  const med = new Map(series.map((s) => [s.name, median(s.values)]));
  const lines = [`${title} (${unit}; median of ${series[0]?.values.length ?? 0}, min-max; ratio = how many times better than the baseline)`];
  for (const s of series) {
    const m = med.get(s.name)!;
    const ratios = baselines.map((b) => {
      const base = med.get(b.name)!;
      const r = higherIsBetter ? m / base : base / m;
      return `${r.toFixed(2)}x vs ${b.label}`;
    });
    lines.push(
      `  ${s.name.padEnd(44)} ${m.toFixed(2).padStart(9)}  (${Math.min(...s.values).toFixed(2)}-${Math.max(...s.values).toFixed(2)})  ${ratios.join('  ')}`,
    );
  }
  return lines;
}
