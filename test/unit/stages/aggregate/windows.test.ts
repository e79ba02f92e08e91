import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/dora/index.js';
import {
  aggregateStage,
  METRICS_TYPES,
  type AggregateStageOptions,
} from '../../../../src/stages/aggregate/index.js';
import { TopologyTestDriver } from '../../../../src/runtime/test-driver.js';
import { crossesWindowEnd } from '../../../../src/stages/aggregate/window-emission.js';
import { closeWindows, type ServiceState } from '../../../../src/stages/aggregate/service-state.js';
import { byWindow, driverFor, metricsEvents, pipe, TOPICS } from './driver-helpers.js';
import { deployment, removal } from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2); // Monday 2 March 2026, 00:00 UTC
const DF = METRICS_TYPES.deploymentFrequency;

const stage = (options: Partial<AggregateStageOptions> = {}) =>
  aggregateStage({
    source: '/cdstream/test',
    topics: TOPICS,
    windows: [{ name: 'P1D', sizeMs: DAY_MS }],
    graceMs: HOUR_MS,

    ...options,
  });

const shop = (time: number, id?: string) => ({
  service: 'shop',
  environment: 'prod',
  time,
  ...(id ? { id } : {}),
});
const cart = (time: number) => ({ service: 'cart', environment: 'prod', time });

describe('aggregate windows on the in-memory driver', () => {
  it('emits one final result per UTC day per known service, zeros included, when the watermark passes the end', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(D0 + 10 * HOUR_MS), { artifact: 'a' }),
      deployment(shop(D0 + DAY_MS - 1), { artifact: 'b' }),
      deployment(cart(D0 + 12 * HOUR_MS), { artifact: 'c' }),
      deployment(shop(D0 + DAY_MS + 30 * 60_000), { artifact: 'd' }),
    ]);
    expect(driver.readOutput(TOPICS.metrics)).toEqual([]); // watermark D1 − 30 min

    await pipe(driver, [deployment(cart(D0 + DAY_MS + HOUR_MS), { artifact: 'e' })]); // watermark D1
    const day0 = metricsEvents(driver.readOutput(TOPICS.metrics));
    expect(day0).toHaveLength(2 * 6); // two services × six metrics
    const frequencies = byWindow(day0, DF);
    expect(frequencies.get('shop/prod P1D 2026-03-02T00:00:00.000Z')).toMatchObject({
      windowEnd: '2026-03-03T00:00:00.000Z',
      windowStartMs: D0,
      windowEndMs: D0 + DAY_MS,
      final: true,
      deployments: 2,
      distinctArtifacts: 2,
      band: 'elite',
    });
    expect(frequencies.get('cart/prod P1D 2026-03-02T00:00:00.000Z')).toMatchObject({
      deployments: 1,
      band: 'high',
    });
    expect(day0.find((event) => event.type === DF)?.time).toBe('2026-03-03T00:00:00.000Z');

    await pipe(driver, [deployment(shop(D0 + 3 * DAY_MS + HOUR_MS), { artifact: 'f' })]); // watermark D3
    const later = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect([...later].map(([window, data]) => [window, data.deployments, data.band])).toEqual([
      ['cart/prod P1D 2026-03-03T00:00:00.000Z', 1, 'high'],
      ['cart/prod P1D 2026-03-04T00:00:00.000Z', 0, 'low'],
      ['shop/prod P1D 2026-03-03T00:00:00.000Z', 1, 'high'],
      ['shop/prod P1D 2026-03-04T00:00:00.000Z', 0, 'low'],
    ]);
  });

  it('counts out-of-order records within the grace period (lateness itself is decided at ingest)', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(D0 + 23 * HOUR_MS), { artifact: 'a' }),
      deployment(shop(D0 + DAY_MS + 30 * 60_000), { artifact: 'b' }),
      deployment(shop(D0 + 23.5 * HOUR_MS), { artifact: 'c' }), // out of order, within grace
      deployment(shop(D0 + DAY_MS + HOUR_MS), { artifact: 'd' }), // closes day 0
    ]);
    const day0 = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect(day0.get('shop/prod P1D 2026-03-02T00:00:00.000Z')?.deployments).toBe(2);
  });

  it('closes the windows of a quiet, caught-up input by the wall clock, from its last event time, with a zero', async () => {
    const driver = new TopologyTestDriver(
      { applicationId: 'aggregate-test', stages: [stage({})] },
      { wallClockTime: D0 + HOUR_MS + 60_000, followWallClock: true },
    );
    await pipe(driver, [deployment(shop(D0 + HOUR_MS), { artifact: 'a' })]);
    await driver.advanceWallClockTime(30 * 60_000);
    expect(driver.readOutput(TOPICS.metrics)).toEqual([]);
    await driver.advanceWallClockTime(2 * DAY_MS);
    const frequencies = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect([...frequencies].map(([window, data]) => [window, data.deployments])).toEqual([
      ['shop/prod P1D 2026-03-02T00:00:00.000Z', 1],
      ['shop/prod P1D 2026-03-03T00:00:00.000Z', 0],
    ]);
  });

  it('7-day windows advancing daily: each window counts its own days; the band uses deployments per day', async () => {
    const driver = driverFor(
      stage({ windows: [{ name: 'P7D/P1D', sizeMs: 7 * DAY_MS, advanceMs: DAY_MS }] }),
    );
    const week = Array.from({ length: 7 }, (_, day) =>
      deployment(shop(D0 + day * DAY_MS + HOUR_MS), { artifact: `a${day}` }),
    );
    await pipe(driver, [
      ...week,
      deployment(shop(D0 + 6 * DAY_MS + 2 * HOUR_MS), { artifact: 'x' }),
    ]);
    await pipe(driver, [deployment(shop(D0 + 7 * DAY_MS + HOUR_MS), { artifact: 'next' })]);
    const windows = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect(windows.size).toBe(7); // windows starting D0−6d … D0 have closed
    expect(windows.get('shop/prod P7D/P1D 2026-02-24T00:00:00.000Z')).toMatchObject({
      deployments: 1,
      band: 'high',
    });
    expect(windows.get('shop/prod P7D/P1D 2026-03-02T00:00:00.000Z')).toMatchObject({
      windowEnd: '2026-03-09T00:00:00.000Z',
      deployments: 8,
      deploymentsPerDay: 8 / 7,
      band: 'elite',
    });
  });

  it('counts a re-sent deployment (same CDEvent context id) once', async () => {
    const driver = driverFor(stage());
    const first = deployment(shop(D0 + HOUR_MS, 'deploy-1'), { artifact: 'a' });
    await pipe(driver, [
      first,
      first,
      deployment(shop(D0 + 2 * HOUR_MS, 'deploy-1'), { artifact: 'a' }),
    ]);
    await pipe(driver, [deployment(shop(D0 + DAY_MS + HOUR_MS), { artifact: 'b' })]);
    const day0 = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect(day0.get('shop/prod P1D 2026-03-02T00:00:00.000Z')?.deployments).toBe(1);
  });

  it('stops emitting for a removed service after the window that holds the removal', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(D0 + HOUR_MS), { artifact: 'a' }),
      removal(shop(D0 + DAY_MS + HOUR_MS)),
      deployment(cart(D0 + 4 * DAY_MS + HOUR_MS), { artifact: 'c' }),
    ]);
    const shopWindows = [
      ...byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF).keys(),
    ].filter((key) => key.startsWith('shop'));
    expect(shopWindows).toEqual([
      'shop/prod P1D 2026-03-02T00:00:00.000Z',
      'shop/prod P1D 2026-03-03T00:00:00.000Z',
    ]);
  });

  it('retires a service with no fact for retireAfterMs: windows up to the one holding that time, then none', async () => {
    const driver = driverFor(stage({ retireAfterMs: 2 * DAY_MS }));
    await pipe(driver, [
      deployment(shop(D0 + HOUR_MS), { artifact: 'a' }),
      deployment(cart(D0 + 2 * HOUR_MS), { artifact: 'b' }),
      // cart keeps deploying: it is never idle for two days
      ...[1, 2, 3, 4, 5].map((day) =>
        deployment(cart(D0 + day * DAY_MS + HOUR_MS), { artifact: `c${day}` }),
      ),
      deployment(cart(D0 + 6 * DAY_MS + 2 * HOUR_MS), { artifact: 'c6' }),
    ]);
    const windows = [...byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF).keys()];
    // shop: last fact 2 March 01:00, retires 4 March 01:00: its last window is 4 March
    expect(windows.filter((key) => key.startsWith('shop'))).toEqual([
      'shop/prod P1D 2026-03-02T00:00:00.000Z',
      'shop/prod P1D 2026-03-03T00:00:00.000Z',
      'shop/prod P1D 2026-03-04T00:00:00.000Z',
    ]);
    expect(windows.filter((key) => key.startsWith('cart'))).toHaveLength(6);

    // a fact after retirement starts the service afresh, from its window
    await pipe(driver, [
      deployment(shop(D0 + 6 * DAY_MS + 3 * HOUR_MS), { artifact: 'a2' }),
      deployment(cart(D0 + 7 * DAY_MS + 2 * HOUR_MS), { artifact: 'c7' }),
    ]);
    const again = byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF);
    expect(again.get('shop/prod P1D 2026-03-08T00:00:00.000Z')).toMatchObject({ deployments: 1 });
    expect([...again.keys()].filter((key) => key.startsWith('shop'))).toEqual([
      'shop/prod P1D 2026-03-08T00:00:00.000Z',
    ]);
  });

  it('keeps emitting every window of a known service with retireAfterMs false', async () => {
    const driver = driverFor(stage({ retireAfterMs: false }));
    await pipe(driver, [
      deployment(shop(D0 + HOUR_MS), { artifact: 'a' }),
      deployment(cart(D0 + 40 * DAY_MS + HOUR_MS), { artifact: 'b' }),
    ]);
    const shopWindows = [
      ...byWindow(metricsEvents(driver.readOutput(TOPICS.metrics)), DF).keys(),
    ].filter((key) => key.startsWith('shop'));
    expect(shopWindows).toHaveLength(40);
  });

  it('emits early, non-final updates of open windows on wall-clock time when configured', async () => {
    const driver = driverFor(stage({ earlyUpdates: { intervalMs: 60_000 } }));
    await pipe(driver, [deployment(shop(D0 + HOUR_MS), { artifact: 'a' })]);
    await driver.advanceWallClockTime(60_000);
    const early = metricsEvents(driver.readOutput(TOPICS.metrics));
    expect(early).toHaveLength(6);
    expect(byWindow(early, DF).get('shop/prod P1D 2026-03-02T00:00:00.000Z')).toMatchObject({
      final: false,
      deployments: 1,
    });
    await driver.advanceWallClockTime(60_000);
    expect(driver.readOutput(TOPICS.metrics)).toEqual([]); // nothing changed since

    await pipe(driver, [deployment(shop(D0 + DAY_MS + HOUR_MS), { artifact: 'b' })]);
    const final = metricsEvents(driver.readOutput(TOPICS.metrics));
    expect(byWindow(final, DF).get('shop/prod P1D 2026-03-02T00:00:00.000Z')?.final).toBe(true);
    expect(final.map((event) => event.id)).not.toContain(early[0]?.id);
  });

  it('ignores types it does not aggregate and events without a service and environment', async () => {
    const counts: string[] = [];
    const driver = driverFor(stage({ onCount: (name) => counts.push(name) }));
    const anonymous = deployment(
      { service: 'shop', environment: 'prod', time: D0 },
      { artifact: 'a' },
    );
    const value = JSON.parse(anonymous.value.toString()) as Record<string, unknown>;
    delete value.cdsservice;
    delete value.cdsenvironment;
    (value.data as { subject: { content: Record<string, unknown> } }).subject.content.environment =
      undefined;
    await pipe(driver, [{ ...anonymous, value: Buffer.from(JSON.stringify(value)) }]);
    expect(counts).toEqual(['records.unattributed']);
    expect(driver.readOutput(TOPICS.metrics)).toEqual([]);
  });
});

describe('crossesWindowEnd', () => {
  const daily = { sizeMs: DAY_MS, advanceMs: DAY_MS };
  const weekly = { sizeMs: 7 * DAY_MS, advanceMs: DAY_MS };
  it('is true only when a window end lies in (from, to]', () => {
    expect(crossesWindowEnd([daily], D0 + 1, D0 + DAY_MS - 1)).toBe(false);
    expect(crossesWindowEnd([daily], D0 + 1, D0 + DAY_MS)).toBe(true);
    expect(crossesWindowEnd([daily], D0 + DAY_MS, D0 + DAY_MS + 5)).toBe(false);
    expect(crossesWindowEnd([weekly], D0 + HOUR_MS, D0 + 2 * HOUR_MS)).toBe(false);
    expect(crossesWindowEnd([weekly], D0 - 1, D0)).toBe(true);
    expect(crossesWindowEnd([daily], Number.NEGATIVE_INFINITY, D0)).toBe(true);
  });
});

describe('closeWindows retirement', () => {
  const daily = { name: 'P1D', sizeMs: DAY_MS, advanceMs: DAY_MS };
  const closeAt = (state: ServiceState, watermark: number) => {
    const emitted: number[] = [];
    const result = closeWindows(state, [daily], watermark, (_, w) => emitted.push(w.start), DAY_MS);
    return { emitted, state: result.state };
  };

  it('dates a state kept from before lastFactAt at its first close, and retires it from there', () => {
    const legacy: ServiceState = {
      service: 'shop',
      environment: 'prod',
      nextWindowStart: { P1D: D0 },
    };
    const first = closeAt(legacy, D0 + DAY_MS);
    expect(first.emitted).toEqual([D0]);
    expect(first.state?.lastFactAt).toBe(D0 + DAY_MS);
    // retires one day after that: the window holding D0 + 2 days is its last
    const second = closeAt(first.state as ServiceState, D0 + 5 * DAY_MS);
    expect(second.emitted).toEqual([D0 + DAY_MS, D0 + 2 * DAY_MS]);
    expect(second.state).toBeUndefined();
  });

  it('takes the earlier of removal and retirement', () => {
    const state: ServiceState = {
      service: 'shop',
      environment: 'prod',
      nextWindowStart: { P1D: D0 },
      lastFactAt: D0 + HOUR_MS,
      removedAt: D0 + 2 * HOUR_MS,
    };
    const { emitted, state: after } = closeAt(state, D0 + 5 * DAY_MS);
    expect(emitted).toEqual([D0]);
    expect(after).toBeUndefined();
  });
});
