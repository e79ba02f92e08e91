import { describe, expect, it } from 'vitest';
import {
  emptyFailureBurstState,
  evaluateFailureBurst,
  type FailureBurstState,
  type IncidentAction,
  type OutcomeInput,
} from '../../../../src/domain/incidents/index.js';

const config = { failures: 3, windowMs: 1_000, successesToResolve: 2 };

function run(inputs: OutcomeInput[]) {
  let state: FailureBurstState = emptyFailureBurstState();
  const actions: IncidentAction[] = [];
  for (const input of inputs) {
    const result = evaluateFailureBurst(state, input, config, 'shop/prod');
    state = result.state;
    actions.push(...result.actions);
  }
  return { state, actions };
}

let id = 0;
const fail = (time: number, eventId = `e${++id}`): OutcomeInput => ({
  eventId,
  time,
  failed: true,
  what: 'pipelinerun',
});
const pass = (time: number, eventId = `e${++id}`): OutcomeInput => ({
  eventId,
  time,
  failed: false,
  what: 'pipelinerun',
});

describe('failure-burst rule', () => {
  it('opens after N failures within the window and resolves after M consecutive successes', () => {
    const { actions } = run([
      fail(0),
      fail(400),
      pass(500),
      fail(900),
      fail(950),
      pass(1_000),
      fail(1_100),
      pass(1_200),
      pass(1_300),
      pass(1_400),
    ]);
    expect(actions.map((a) => [a.phase, a.time])).toEqual([
      ['detected', 900],
      ['resolved', 1_300],
    ]);
    expect(actions[0]?.description).toMatch(/3 failures \(pipelinerun\)/);
    expect(actions[0]?.incidentId).toBe(actions[1]?.incidentId);
  });

  it('does not open when the failures are spread wider than the window', () => {
    expect(run([fail(0), fail(600), fail(1_200), fail(1_800)]).actions).toEqual([]);
  });

  it('counts a re-sent failure once', () => {
    expect(run([fail(0, 'same'), fail(10, 'same'), fail(20, 'same'), fail(30)]).actions).toEqual(
      [],
    );
  });

  it('keeps one incident open however many failures follow', () => {
    const { actions, state } = run([fail(0), fail(1), fail(2), fail(3), fail(4)]);
    expect(actions).toHaveLength(1);
    expect(state.open).toBeDefined();
  });
});
