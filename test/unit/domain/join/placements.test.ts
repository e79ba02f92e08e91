import { describe, expect, it } from 'vitest';
import {
  MAX_PLACEMENTS_PER_ARTIFACT,
  likeliestService,
  removeInstance,
  removeService,
  servicesRunning,
  upsertPlacement,
  type Placement,
} from '../../../../src/domain/join/index.js';

const row = (overrides: Partial<Placement> = {}): Placement => ({
  service: 'checkout',
  environment: 'production',
  since: 1_000,
  source: '/argocd',
  eventId: 'e1',
  ...overrides,
});

describe('upsertPlacement', () => {
  it('adds a row to an unknown artifact', () => {
    expect(upsertPlacement(undefined, row())).toEqual([row()]);
  });

  it('is idempotent: the same event twice leaves one row', () => {
    const once = upsertPlacement(undefined, row());
    expect(upsertPlacement(once, row())).toEqual(once);
  });

  it('keeps the first event id when a resync repeats the same placement', () => {
    const once = upsertPlacement(undefined, row());
    expect(upsertPlacement(once, row({ eventId: 'resync-7' }))).toEqual(once);
  });

  it('replaces the row of the same service and environment with a newer placement', () => {
    const rows = upsertPlacement([row()], row({ since: 2_000, eventId: 'e2' }));
    expect(rows).toEqual([row({ since: 2_000, eventId: 'e2' })]);
  });

  it('ignores an older event for the same row, so a late delivery cannot move since back', () => {
    const rows = [row({ since: 2_000, eventId: 'e2' })];
    expect(upsertPlacement(rows, row({ since: 1_000, eventId: 'e1' }))).toEqual(rows);
  });

  it('keeps one row per environment and per service, newest first', () => {
    let rows = upsertPlacement(undefined, row());
    rows = upsertPlacement(rows, row({ environment: 'staging', since: 500 }));
    rows = upsertPlacement(rows, row({ service: 'payments', since: 3_000 }));
    expect(rows.map((r) => `${r.service}/${r.environment}`)).toEqual([
      'payments/production',
      'checkout/production',
      'checkout/staging',
    ]);
  });

  it('identifies ReplicaSet rows by their instance, so a relabelled ReplicaSet keeps one row', () => {
    const first = row({ instance: 'c1/apps/web-1', environment: 'apps' });
    const relabelled = row({ instance: 'c1/apps/web-1', environment: 'production', since: 1_000 });
    expect(upsertPlacement([first], relabelled)).toEqual([relabelled]);
    const sibling = row({ instance: 'c1/apps/web-2', environment: 'apps' });
    expect(upsertPlacement([first], sibling)).toHaveLength(2);
  });

  it(`keeps at most ${MAX_PLACEMENTS_PER_ARTIFACT} rows, dropping the oldest`, () => {
    let rows: Placement[] = [];
    for (let i = 0; i < MAX_PLACEMENTS_PER_ARTIFACT + 5; i++) {
      rows = upsertPlacement(rows, row({ service: `svc-${i}`, since: i }));
    }
    expect(rows).toHaveLength(MAX_PLACEMENTS_PER_ARTIFACT);
    expect(rows[0]?.service).toBe(`svc-${MAX_PLACEMENTS_PER_ARTIFACT + 4}`);
    expect(rows.some((r) => r.service === 'svc-4')).toBe(false);
    expect(rows.some((r) => r.service === 'svc-5')).toBe(true);
  });

  it('takes a smaller bound when given one', () => {
    const rows = upsertPlacement([row({ service: 'a' })], row({ service: 'b', since: 2_000 }), 1);
    expect(rows.map((r) => r.service)).toEqual(['b']);
  });
});

describe('removing rows', () => {
  const rows = [
    row({ instance: 'c1/apps/web-1' }),
    row({ service: 'checkout', environment: 'staging' }),
    row({ service: 'payments' }),
  ];

  it('removes one ReplicaSet by instance; an unknown instance changes nothing', () => {
    expect(removeInstance(rows, 'c1/apps/web-1')).toEqual(rows.slice(1));
    expect(removeInstance(rows, 'c1/apps/unknown')).toEqual(rows);
    expect(removeInstance(undefined, 'c1/apps/web-1')).toEqual([]);
  });

  it('removes a service in one environment, or everywhere', () => {
    expect(removeService(rows, 'checkout', 'staging')).toEqual([rows[0], rows[2]]);
    expect(removeService(rows, 'checkout')).toEqual([rows[2]]);
    expect(removeService(rows, 'unknown', 'production')).toEqual(rows);
  });
});

describe('reading the table', () => {
  const rows = [
    row({ service: 'checkout', environment: 'production', since: 3_000, instance: 'c1/a/x' }),
    row({ service: 'checkout', environment: 'production', since: 2_000, instance: 'c2/a/y' }),
    row({ service: 'checkout', environment: 'staging', since: 1_000 }),
  ];

  it('lists each service and environment once, most recent first', () => {
    expect(servicesRunning(rows)).toEqual([
      { service: 'checkout', environment: 'production' },
      { service: 'checkout', environment: 'staging' },
    ]);
    expect(servicesRunning(undefined)).toEqual([]);
  });

  it('prefers the environment the event names, else the newest placement', () => {
    expect(likeliestService(rows, 'staging')).toEqual({
      service: 'checkout',
      environment: 'staging',
    });
    expect(likeliestService(rows, 'qa')).toEqual({
      service: 'checkout',
      environment: 'production',
    });
    expect(likeliestService([], 'qa')).toBeUndefined();
  });
});
