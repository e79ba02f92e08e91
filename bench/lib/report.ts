/** One line of the benchmark results (bench/results/latest.json) and the table printed for people. */
export interface Figure {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly events_per_s: number;
  /** events/s of this scenario divided by the baseline's */
  readonly ratio_to: Record<string, number>;
  /**
   * producer timestamp → output visible to a read_committed consumer, at half
   * the max rate (or `--latency-rate`): the rate offered, and the CPU seconds
   * of the process and the local broker per million events offered meanwhile
   */
  readonly latency_ms: {
    p50: number;
    p99: number;
    offered_per_s?: number;
    cpu_s_per_m_offered?: number;
    broker_cpu_s_per_m_offered?: number | null;
  } | null;
  /** peak RSS of the worker process */
  readonly rss_mb: number;
  readonly cpu_s_per_m_events: number | null;
  /** the local broker's CPU over the same span, per million input events (it shares the machine's cores) */
  readonly broker_cpu_s_per_m_events?: number | null;
}

export function formatTable(figures: readonly Figure[]): string {
  const header = [
    'scenario',
    'events',
    'seconds',
    'events/s',
    'ratio to baselines',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'CPU s / M events',
    'broker CPU s / M',
  ];
  const rows = figures.map((f) => [
    f.name,
    String(f.events),
    f.seconds.toFixed(2),
    String(f.events_per_s),
    Object.entries(f.ratio_to)
      .map(([name, ratio]) => `${ratio.toFixed(2)}× ${name.replace(/^kafkajs /, '')}`)
      .join(', '),
    f.latency_ms ? String(f.latency_ms.p50) : '',
    f.latency_ms ? String(f.latency_ms.p99) : '',
    String(f.rss_mb),
    f.cpu_s_per_m_events === null ? '' : String(f.cpu_s_per_m_events),
    f.broker_cpu_s_per_m_events == null ? '' : String(f.broker_cpu_s_per_m_events),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
