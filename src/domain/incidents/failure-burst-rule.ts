/**
 * Rule "failure-burst": N failed outcomes (failed builds, test case runs,
 * pipeline runs, or rollbacks) for one service in one environment within a
 * sliding event-time window open an incident; M consecutive successes after
 * it resolve it. One incident is open at a time per service and environment;
 * a re-sent event (same source + id) counts once.
 */
import { deterministicUuid } from './incident-ids.js';
import type { RuleResult } from './vulnerability-rule.js';

export const FAILURE_BURST_RULE = 'failure-burst';

export interface FailureBurstConfig {
  /** failures within windowMs that open an incident */
  readonly failures: number;
  readonly windowMs: number;
  /** consecutive successes that resolve it */
  readonly successesToResolve: number;
}

export interface OutcomeInput {
  readonly eventId: string;
  readonly time: number;
  readonly failed: boolean;
  /** what finished: build, testcaserun, pipelinerun, rollback */
  readonly what: string;
}

export interface FailureBurstState {
  readonly failures: readonly {
    readonly eventId: string;
    readonly time: number;
    readonly what: string;
  }[];
  readonly open?: { readonly incidentId: string; readonly openedAt: number } | undefined;
  readonly consecutiveSuccesses: number;
  /** ids of recent successes, for dedupe of re-sent events */
  readonly recentSuccessIds: readonly string[];
}

const REMEMBERED_SUCCESS_IDS = 50;

export const emptyFailureBurstState = (): FailureBurstState => ({
  failures: [],
  consecutiveSuccesses: 0,
  recentSuccessIds: [],
});

export function evaluateFailureBurst(
  state: FailureBurstState,
  input: OutcomeInput,
  config: FailureBurstConfig,
  key: string,
): RuleResult<FailureBurstState> {
  const seen =
    state.failures.some((failure) => failure.eventId === input.eventId) ||
    state.recentSuccessIds.includes(input.eventId);
  if (seen) return { state, actions: [] };
  return input.failed ? failure(state, input, config, key) : success(state, input, config, key);
}

function failure(
  state: FailureBurstState,
  input: OutcomeInput,
  config: FailureBurstConfig,
  key: string,
): RuleResult<FailureBurstState> {
  const newest = Math.max(input.time, ...state.failures.map((entry) => entry.time));
  const failures = [
    ...state.failures,
    { eventId: input.eventId, time: input.time, what: input.what },
  ]
    .filter((entry) => entry.time > newest - config.windowMs)
    .sort((a, b) => a.time - b.time);
  const next: FailureBurstState = { ...state, failures, consecutiveSuccesses: 0 };
  if (state.open || failures.length < config.failures) return { state: next, actions: [] };
  const incidentId = `${FAILURE_BURST_RULE}-${deterministicUuid(FAILURE_BURST_RULE, key, input.time)}`;
  const kinds = [...new Set(failures.map((entry) => entry.what))].join(', ');
  const first = failures[0]?.time ?? input.time;
  const description = `rule ${FAILURE_BURST_RULE}: ${failures.length} failures (${kinds}) for ${key} between ${new Date(first).toISOString()} and ${new Date(input.time).toISOString()}, threshold ${config.failures} within ${config.windowMs} ms`;
  return {
    state: { ...next, open: { incidentId, openedAt: input.time } },
    actions: [
      { phase: 'detected', rule: FAILURE_BURST_RULE, incidentId, time: input.time, description },
    ],
  };
}

function success(
  state: FailureBurstState,
  input: OutcomeInput,
  config: FailureBurstConfig,
  key: string,
): RuleResult<FailureBurstState> {
  const recentSuccessIds = [...state.recentSuccessIds, input.eventId].slice(
    -REMEMBERED_SUCCESS_IDS,
  );
  if (!state.open) return { state: { ...state, recentSuccessIds }, actions: [] };
  const consecutiveSuccesses = state.consecutiveSuccesses + 1;
  if (consecutiveSuccesses < config.successesToResolve) {
    return { state: { ...state, recentSuccessIds, consecutiveSuccesses }, actions: [] };
  }
  const description = `rule ${FAILURE_BURST_RULE}: ${consecutiveSuccesses} consecutive successes for ${key} since the burst`;
  return {
    state: { failures: [], consecutiveSuccesses: 0, recentSuccessIds },
    actions: [
      {
        phase: 'resolved',
        rule: FAILURE_BURST_RULE,
        incidentId: state.open.incidentId,
        time: Math.max(input.time, state.open.openedAt),
        description,
      },
    ],
  };
}
