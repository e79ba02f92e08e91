import type { RunnerSettings } from '../runtime/task-slot.js';
import type { TopologyConfig } from './topology-config.js';

/**
 * A topology's `runtime` section as the settings of the worker that runs it:
 * one mapping for every host (the CLI, the benchmark's worker, tests), so
 * none of them runs a setting at the runtime's default by omission.
 */
export function runnerSettingsOf(runtime: TopologyConfig['runtime']): Partial<RunnerSettings> {
  return {
    commitIntervalMs: runtime.commitIntervalMs,
    commitMaxRecords: runtime.commitMaxRecords,
    stateOnlyCommitIntervalMs: runtime.stateOnlyCommitIntervalMs,
    partitionsConsumedConcurrently: runtime.partitionsConsumedConcurrently,
    alignmentDriftMs: runtime.alignmentDriftMs,
  };
}
