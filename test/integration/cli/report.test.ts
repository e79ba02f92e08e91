/**
 * `cdstream report` and `cdstream dashboard` against topics on the broker:
 * metrics and incidents produced here (one in an aborted transaction, early
 * updates before a final value), the page written by the CLI and opened in
 * Chromium (screenshot: test-artifacts/report-from-kafka.png), the dashboard
 * following new events and stopping on SIGTERM, a missing topic refused in
 * one line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStructured } from '../../../src/cloudevents/envelope.js';
import type { ReportModel, ReportEvent } from '../../../src/report/report-model.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { kill, startCdstream } from '../setup/fleet.js';
import { ARTIFACTS, launchChromium, openReport } from '../report/browser.js';
import { DAY, HOUR, TYPES, incidentEvent, metricsEvent } from '../report/events.js';

const D0 = Date.UTC(2026, 10, 27);
const checkout = { service: 'checkout', environment: 'prod' };
const client = kafka('cdstream-test-report');
const directory = mkdtempSync(join(tmpdir(), 'cdstream-report-'));

function topologyFile(metrics: string, incidents: string): string {
  const text = readFileSync('topologies/default.yaml', 'utf8')
    .replace(/^(\s+metrics:) cdstream\.metrics$/m, `$1 ${metrics}`)
    .replace(/^(\s+incidents:) cdstream\.incidents$/m, `$1 ${incidents}`);
  expect(text).toContain(metrics);
  expect(text).toContain(incidents);
  const file = join(directory, `${uniqueName('topology')}.yaml`);
  writeFileSync(file, text);
  return file;
}

const toMessage = (event: ReportEvent) => {
  const { id, source, type, time, subject, data, ...rest } = event;
  const extensions = Object.fromEntries(
    Object.entries(rest).filter(([name]) => name !== 'specversion'),
  ) as Record<string, string>;
  return {
    key: String(subject),
    value: encodeStructured({
      attributes: {
        specversion: '1.0',
        id: String(id),
        source: String(source),
        type,
        time: String(time),
        subject: String(subject),
        datacontenttype: 'application/json',
      },
      extensions,
      data,
    }),
    headers: { 'content-type': 'application/cloudevents+json' },
  };
};

async function produce(topic: string, events: readonly ReportEvent[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: events.map(toMessage) });
  } finally {
    await producer.disconnect();
  }
}

/** events sent in a transaction that aborts: a read_committed reader never sees them */
async function produceAborted(topic: string, events: readonly ReportEvent[]): Promise<void> {
  const producer = client.producer({
    transactionalId: uniqueName('report-test-aborted'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: events.map(toMessage) });
    await transaction.abort();
  } finally {
    await producer.disconnect();
  }
}

/** polls the dashboard's data until `ready` holds for it */
async function dataWhen(url: string, ready: (model: ReportModel) => boolean): Promise<ReportModel> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const model = (await (await fetch(new URL('data.json', url))).json()) as ReportModel;
    if (ready(model)) return model;
    if (Date.now() > deadline)
      throw new Error(`dashboard data never matched: ${JSON.stringify(model)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deploymentsPerDay = (model: ReportModel) =>
  model.services
    .find((s) => s.service === 'checkout')
    ?.charts.find((c) => c.metric === 'deploymentFrequency')
    ?.series[0]?.points.map((p) => p.y);

describe('cdstream report and dashboard on the broker', () => {
  const prefix = uniqueName('cdstream.report-test');
  const metrics = `${prefix}.metrics`;
  const incidents = `${prefix}.incidents`;
  let topology: string;
  let browser: Browser;

  beforeAll(async () => {
    await createTopic(client, metrics, 3);
    await createTopic(client, incidents, 3);
    topology = topologyFile(metrics, incidents);
    await produce(metrics, [
      metricsEvent(
        TYPES.deploymentFrequency,
        { ...checkout, start: D0 },
        { deploymentsPerDay: 2, band: 'high' },
      ),
      metricsEvent(
        TYPES.deploymentFrequency,
        { ...checkout, start: D0 + DAY, final: false },
        { deploymentsPerDay: 1, band: 'high' },
      ),
      metricsEvent(
        TYPES.deploymentFrequency,
        { ...checkout, start: D0 + DAY },
        { deploymentsPerDay: 3, band: 'elite' },
      ),
      metricsEvent(
        TYPES.changeFailureRate,
        { ...checkout, start: D0 },
        { changeFailureRate: null, band: null },
      ),
      metricsEvent(
        TYPES.changeFailureRate,
        { ...checkout, start: D0 + DAY },
        { changeFailureRate: 0.2, band: 'medium' },
      ),
    ]);
    await produceAborted(metrics, [
      metricsEvent(
        TYPES.deploymentFrequency,
        { ...checkout, start: D0 + DAY },
        { deploymentsPerDay: 99, band: 'elite' },
      ),
    ]);
    const incident = { id: 'inc-k', ...checkout, description: 'failure burst on checkout' };
    await produce(incidents, [
      incidentEvent('detected', incident, D0 + 2 * HOUR),
      incidentEvent('resolved', incident, D0 + 4 * HOUR),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
  });

  it('report --out writes one page with the committed numbers, and Chromium draws them', async () => {
    const out = join(directory, 'report.html');
    const run = startCdstream(['report', '--out', out, '--topology', topology]);
    expect(await run.exited, run.output.join('\n')).toBe(0);
    expect(run.output).toEqual([`report: ${out}`]);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

    const page = await openReport(
      browser,
      pathToFileURL(out).href,
      join(ARTIFACTS, 'report-from-kafka.png'),
    );
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
    const byId = new Map(page.charts.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual([
      'checkout/prod/changeFailureRate',
      'checkout/prod/deploymentFrequency',
      'checkout/prod/incidents',
    ]);
    expect(byId.get('checkout/prod/deploymentFrequency')?.datasets).toEqual([
      {
        label: 'P1D',
        data: [
          { x: D0 + DAY, y: 2 },
          { x: D0 + 2 * DAY, y: 3 },
        ],
      },
    ]);
    expect(byId.get('checkout/prod/deploymentFrequency')?.drawn).toEqual([2]);
    expect(byId.get('checkout/prod/changeFailureRate')?.datasets).toEqual([
      {
        label: 'P1D',
        data: [
          { x: D0 + DAY, y: null },
          { x: D0 + 2 * DAY, y: 20 },
        ],
      },
    ]);
    expect(byId.get('checkout/prod/changeFailureRate')?.drawn).toEqual([1]);
    expect(byId.get('checkout/prod/incidents')?.datasets).toEqual([
      { label: 'incidents', data: [[D0 + 2 * HOUR, D0 + 4 * HOUR]] },
    ]);
    expect(byId.get('checkout/prod/incidents')?.drawn).toEqual([1]);
  });

  it('dashboard serves the page live, follows new events and stops on SIGTERM', async () => {
    const dashboard = startCdstream(['dashboard', '--port', '0', '--topology', topology]);
    try {
      const line = await dashboard.waitForLine(/^dashboard: http/);
      const url = /^dashboard: (\S+)/.exec(line)?.[1] ?? '';
      const first = await dataWhen(url, (m) => deploymentsPerDay(m)?.length === 2);
      expect(deploymentsPerDay(first)).toEqual([2, 3]);

      await produce(metrics, [
        metricsEvent(
          TYPES.deploymentFrequency,
          { ...checkout, start: D0 + 2 * DAY },
          { deploymentsPerDay: 5, band: 'elite' },
        ),
      ]);
      const next = await dataWhen(url, (m) => deploymentsPerDay(m)?.length === 3);
      expect(deploymentsPerDay(next)).toEqual([2, 3, 5]);
      expect(next.revision).toBeGreaterThan(first.revision);

      const page = await openReport(browser, url, join(ARTIFACTS, 'dashboard.png'));
      expect(page.errors).toEqual([]);
      expect(page.charts.find((c) => c.id === 'checkout/prod/deploymentFrequency')?.drawn).toEqual([
        3,
      ]);
    } finally {
      expect(await kill(dashboard, 'SIGTERM')).toBe(0);
    }
  });

  it('refuses a topology whose topics are missing, in one line, exit 1', async () => {
    const missing = topologyFile(`${prefix}.nothing`, `${prefix}.none`);
    const run = startCdstream([
      'report',
      '--out',
      join(directory, 'x.html'),
      '--topology',
      missing,
    ]);
    expect(await run.exited).toBe(1);
    expect(run.output).toEqual([
      `cdstream report: topics ${prefix}.nothing and ${prefix}.none do not exist on the brokers (wrong --topology, or nothing has run yet)`,
    ]);
  });
});
