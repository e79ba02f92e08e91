import type { Severity } from '../../domain/incidents/index.js';
import { DAY_MS, HOUR_MS } from '../../domain/dora/index.js';
import { hoppingWindows, type WindowSpec } from '../../runtime/windows.js';

/** One window spec the metrics are computed on; `name` appears in the metrics events. */
export interface MetricsWindow {
  /** e.g. P1D, P7D/P1D: part of the event id and the data, so keep it stable */
  readonly name: string;
  readonly sizeMs: number;
  /** distance between window starts; default sizeMs (tumbling) */
  readonly advanceMs?: number;
}

export interface AggregateTopics {
  /** default cdstream.enriched */
  readonly input?: string;
  /** default cdstream.metrics */
  readonly metrics?: string;
  /** default cdstream.incidents */
  readonly incidents?: string;
  /** default cdstream.dlq */
  readonly deadLetter?: string;
}

export interface AggregateStageOptions {
  /** stage name; default `aggregate` */
  readonly name?: string;
  readonly topics?: AggregateTopics;
  /** CloudEvents source of the metrics and incidents cdstream emits (a URI reference) */
  readonly source: string;
  /** default: [P1D tumbling, P7D hopping by P1D] */
  readonly windows?: readonly MetricsWindow[];
  /**
   * only when the stage reads a public topic on its own (tests, custom
   * topologies): how far behind its partition's watermark a record may be;
   * default 1 hour. In the pipeline, ingest decides lateness.
   */
  readonly graceMs?: number;
  /** non-final updates of open windows every intervalMs of wall-clock time; default off */
  readonly earlyUpdates?: { readonly intervalMs: number } | undefined;
  /** count Knative ReplicaSet rollouts of a new digest as deployments; default true */
  readonly countReplicaSetRollouts?: boolean;
  /**
   * a service+environment with no deployment, rollout, rollback or incident
   * for this long (event time) emits no more windows and its state is
   * dropped, as after a removal; it starts afresh at its next fact. Default
   * 30 days; false: known services emit every window for ever
   */
  readonly retireAfterMs?: number | false;
  readonly rules?: {
    /** default { threshold: 'critical' }; false switches the rule off */
    readonly vulnerability?: { readonly threshold: Severity } | false;
    /** default { failures: 3, windowMs: 1 hour, successesToResolve: 2 }; false: off */
    readonly failureBurst?:
      | {
          readonly failures: number;
          readonly windowMs: number;
          readonly successesToResolve: number;
        }
      | false;
  };
  /** counters: incidents.opened, incidents.resolved, windows.emitted, … */
  readonly onCount?: (name: string) => void;
}

export interface NamedWindowSpec extends WindowSpec {
  readonly name: string;
}

export interface ResolvedAggregateOptions {
  readonly name: string;
  readonly topics: Required<AggregateTopics>;
  readonly source: string;
  readonly windows: readonly NamedWindowSpec[];
  readonly graceMs: number;
  readonly earlyUpdateIntervalMs: number | undefined;
  readonly countReplicaSetRollouts: boolean;
  /** undefined: never */
  readonly retireAfterMs: number | undefined;
  readonly vulnerability: { readonly threshold: Severity } | undefined;
  readonly failureBurst:
    | { readonly failures: number; readonly windowMs: number; readonly successesToResolve: number }
    | undefined;
  readonly count: (name: string) => void;
}

export const DEFAULT_WINDOWS: readonly MetricsWindow[] = [
  { name: 'P1D', sizeMs: DAY_MS },
  { name: 'P7D/P1D', sizeMs: 7 * DAY_MS, advanceMs: DAY_MS },
];

export function resolveOptions(options: AggregateStageOptions): ResolvedAggregateOptions {
  const windows = (options.windows ?? DEFAULT_WINDOWS).map((window) => ({
    name: window.name,
    ...hoppingWindows(window.sizeMs, window.advanceMs ?? window.sizeMs),
  }));
  if (windows.length === 0) throw new RangeError('aggregate stage: at least one window is needed');
  if (new Set(windows.map((window) => window.name)).size !== windows.length) {
    throw new RangeError('aggregate stage: window names must be unique');
  }
  if (typeof options.retireAfterMs === 'number' && !(options.retireAfterMs > 0)) {
    throw new RangeError('aggregate stage: retireAfterMs must be a positive duration or false');
  }
  const rules = options.rules ?? {};
  return {
    name: options.name ?? 'aggregate',
    topics: {
      input: options.topics?.input ?? 'cdstream.enriched',
      metrics: options.topics?.metrics ?? 'cdstream.metrics',
      incidents: options.topics?.incidents ?? 'cdstream.incidents',
      deadLetter: options.topics?.deadLetter ?? 'cdstream.dlq',
    },
    source: options.source,
    windows,
    graceMs: options.graceMs ?? HOUR_MS,
    earlyUpdateIntervalMs: options.earlyUpdates?.intervalMs,
    countReplicaSetRollouts: options.countReplicaSetRollouts ?? true,
    retireAfterMs:
      options.retireAfterMs === false ? undefined : (options.retireAfterMs ?? 30 * DAY_MS),
    vulnerability:
      rules.vulnerability === false
        ? undefined
        : (rules.vulnerability ?? { threshold: 'critical' }),
    failureBurst:
      rules.failureBurst === false
        ? undefined
        : (rules.failureBurst ?? { failures: 3, windowMs: HOUR_MS, successesToResolve: 2 }),
    count: options.onCount ?? (() => undefined),
  };
}
