/**
 * The report page built from metrics and incident events made here, opened
 * in headless Chromium: every chart is there, holds exactly the numbers of
 * the input (latest value per window, final over early, null as a gap) and
 * drew them; the page needs no network. Screenshot: test-artifacts/report-page.png.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageAssets } from '../../../src/report/page-assets.js';
import { reportHtml } from '../../../src/report/report-html.js';
import { reportModel } from '../../../src/report/report-model.js';
import { ARTIFACTS, launchChromium, openReport, type OpenedPage } from './browser.js';
import { DAY, HOUR, TYPES, incidentEvent, metricsEvent } from './events.js';

const D0 = Date.UTC(2026, 10, 27);
const D1 = D0 + DAY;
const D2 = D1 + DAY;
const AS_OF = D2 + DAY + 2 * HOUR;
const checkout = { service: 'checkout', environment: 'prod' };
const payments = { service: 'payments', environment: 'staging' };
const day = (start: number, final = true) => ({ ...checkout, start, final });

const EVENTS = [
  metricsEvent(TYPES.deploymentFrequency, day(D0), { deploymentsPerDay: 2, band: 'high' }),
  metricsEvent(TYPES.deploymentFrequency, day(D1, false), { deploymentsPerDay: 1, band: 'high' }),
  metricsEvent(TYPES.deploymentFrequency, day(D1), { deploymentsPerDay: 3, band: 'elite' }),
  metricsEvent(TYPES.deploymentFrequency, day(D2), { deploymentsPerDay: 4, band: 'elite' }),
  // an early update after the final value changes nothing
  metricsEvent(TYPES.deploymentFrequency, day(D2, false), { deploymentsPerDay: 9, band: 'elite' }),
  metricsEvent(
    TYPES.deploymentFrequency,
    { ...checkout, window: 'P7D/P1D', start: D2 - 6 * DAY, days: 7 },
    { deploymentsPerDay: 1.5, band: 'high' },
  ),
  metricsEvent(TYPES.leadTime, day(D0), { medianMs: 1.5 * HOUR, band: 'elite', changeMedianMs: 7 }),
  metricsEvent(TYPES.leadTime, day(D1), { medianMs: null, band: null }),
  metricsEvent(TYPES.leadTime, day(D2), { medianMs: 2 * DAY, band: 'medium' }),
  metricsEvent(TYPES.changeFailureRate, day(D0), { changeFailureRate: 0.25, band: 'high' }),
  metricsEvent(TYPES.changeFailureRate, day(D1), { changeFailureRate: null, band: null }),
  metricsEvent(TYPES.changeFailureRate, day(D2), { changeFailureRate: 0.5, band: 'low' }),
  metricsEvent(TYPES.failedDeploymentRecoveryTime, day(D0), {
    recoveries: 1,
    medianMs: 0.5 * HOUR,
    p90Ms: 0.5 * HOUR,
    band: 'elite',
  }),
  metricsEvent(TYPES.failedDeploymentRecoveryTime, day(D2), {
    recoveries: 2,
    medianMs: 2 * HOUR,
    p90Ms: 3 * HOUR,
    band: 'high',
  }),
  metricsEvent(TYPES.deploymentReworkRate, day(D0), {
    deployments: 2,
    reworkDeployments: 0,
    reworkRate: 0,
    band: null,
  }),
  metricsEvent(TYPES.deploymentReworkRate, day(D1), {
    deployments: 4,
    reworkDeployments: 2,
    reworkRate: 0.5,
    band: null,
  }),
  metricsEvent(TYPES.timeToRestore, day(D1), { medianMs: 3 * HOUR, band: 'high' }),
  metricsEvent('dev.cdstream.metrics.notdrawn.v1', day(D0), { value: 1 }),
  metricsEvent(TYPES.deploymentFrequency, { ...payments, start: D0 }, { deploymentsPerDay: 0 }),
  incidentEvent(
    'detected',
    { id: 'inc-1', ...checkout, description: 'failure burst: 3 failed deployments in 1h' },
    D1 + 3 * HOUR,
  ),
  incidentEvent(
    'resolved',
    { id: 'inc-1', ...checkout, description: 'resolved after 2 good deployments' },
    D1 + 5 * HOUR,
  ),
  incidentEvent(
    'detected',
    { id: 'inc-2', ...payments, description: 'critical CVE-2026-0001 in a running image' },
    D2 + HOUR,
  ),
];

const point = (start: number, y: number | null) => ({ x: start + DAY, y });
const P1D = (...points: { x: number; y: number | null }[]) => ({ label: 'P1D', data: points });

/** what each chart must hold, worked out by hand from EVENTS */
const EXPECTED: Record<string, { type: string; labels?: string[]; datasets: unknown[] }> = {
  'checkout/prod/deploymentFrequency': {
    type: 'line',
    datasets: [
      P1D(point(D0, 2), point(D1, 3), point(D2, 4)),
      { label: 'P7D/P1D', data: [{ x: D2 + DAY, y: 1.5 }] },
    ],
  },
  'checkout/prod/leadTime': {
    type: 'line',
    datasets: [P1D(point(D0, 1.5), point(D1, null), point(D2, 48))],
  },
  'checkout/prod/changeFailureRate': {
    type: 'line',
    datasets: [P1D(point(D0, 25), point(D1, null), point(D2, 50))],
  },
  'checkout/prod/failedDeploymentRecoveryTime': {
    type: 'line',
    datasets: [P1D(point(D0, 0.5), point(D2, 2))],
  },
  'checkout/prod/deploymentReworkRate': {
    type: 'line',
    datasets: [P1D(point(D0, 0), point(D1, 50))],
  },
  'checkout/prod/timeToRestore': { type: 'line', datasets: [P1D(point(D1, 3))] },
  'checkout/prod/incidents': {
    type: 'bar',
    labels: ['failure burst: 3 failed deployments in 1h'],
    datasets: [{ label: 'incidents', data: [[D1 + 3 * HOUR, D1 + 5 * HOUR]] }],
  },
  'payments/staging/deploymentFrequency': { type: 'line', datasets: [P1D(point(D0, 0))] },
  'payments/staging/incidents': {
    type: 'bar',
    labels: ['critical CVE-2026-0001 in a running image'],
    datasets: [{ label: 'incidents', data: [[D2 + HOUR, AS_OF]] }],
  },
};

/** the points a chart must have drawn: every non-null value */
const drawable = (datasets: unknown[]): number[] =>
  (datasets as { data: ({ y: number | null } | number[])[] }[]).map(
    (d) => d.data.filter((p) => Array.isArray(p) || p.y !== null).length,
  );

describe('the report page in Chromium', () => {
  let browser: Browser;
  let page: OpenedPage;

  beforeAll(async () => {
    browser = await launchChromium();
    const html = reportHtml(reportModel(EVENTS, AS_OF), pageAssets(), {
      source: 'made by report-page.test.ts',
    });
    const file = join(mkdtempSync(join(tmpdir(), 'cdstream-report-')), 'report.html');
    writeFileSync(file, html);
    page = await openReport(browser, pathToFileURL(file).href, join(ARTIFACTS, 'report-page.png'));
  });

  afterAll(async () => {
    await browser.close();
  });

  it('draws every chart, and only those, without errors or network', () => {
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
    expect(page.charts.map((c) => c.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s holds the input numbers and drew them', (id, expected) => {
    const chart = page.charts.find((c) => c.id === id);
    expect(chart?.type).toBe(expected.type);
    expect(chart?.datasets).toEqual(expected.datasets);
    if (expected.labels) expect(chart?.labels).toEqual(expected.labels);
    expect(chart?.drawn).toEqual(drawable(expected.datasets));
    // axes alone paint some pixels; points and lines many more
    expect(chart?.painted).toBeGreaterThan(2_000);
  });

  it('says which metrics have no events and which windows have no data', () => {
    expect(page.text).toContain('checkout in prod');
    expect(page.text).toContain('payments in staging');
    expect(page.text).toContain('1 of 3 windows without data');
    expect(page.text.match(/no events of this metric on the topic/g)).toHaveLength(5);
  });
});
