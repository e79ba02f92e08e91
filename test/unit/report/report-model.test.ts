import { describe, expect, it } from 'vitest';
import { reportHtml } from '../../../src/report/report-html.js';
import { reportModel, type ReportEvent } from '../../../src/report/report-model.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 10, 27);

const frequency = (start: number, final: boolean, deploymentsPerDay: number): ReportEvent => ({
  type: 'dev.cdstream.metrics.deploymentfrequency.v1',
  data: {
    service: 's',
    environment: 'e',
    window: 'P1D',
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(start + DAY).toISOString(),
    windowStartMs: start,
    windowEndMs: start + DAY,
    final,
    deploymentsPerDay,
    band: 'high',
  },
});

const values = (events: ReportEvent[]) =>
  reportModel(events, D0 + 5 * DAY).services[0]?.charts[0]?.series[0]?.points.map((p) => [
    p.y,
    p.final,
  ]);

describe('report model', () => {
  it('keeps the latest value of a window, and a final one over any early update', () => {
    expect(values([frequency(D0, false, 1), frequency(D0, false, 2)])).toEqual([[2, false]]);
    expect(values([frequency(D0, false, 1), frequency(D0, true, 3)])).toEqual([[3, true]]);
    expect(values([frequency(D0, true, 3), frequency(D0, false, 4)])).toEqual([[3, true]]);
    expect(values([frequency(D0, true, 3), frequency(D0, true, 5)])).toEqual([[5, true]]);
  });

  it('orders windows by time whatever order they came in', () => {
    expect(values([frequency(D0 + DAY, true, 2), frequency(D0, true, 1)])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('ignores unknown types, events without a window and non-CloudEvents data', () => {
    const model = reportModel(
      [
        { type: 'dev.cdstream.metrics.unknown.v1', data: { service: 's', environment: 'e' } },
        { type: 'dev.cdstream.metrics.leadtime.v1', data: { service: 's' } },
        { type: 'dev.cdstream.metrics.leadtime.v1', data: 'text' },
        { type: 'dev.cdevents.incident.detected.0.3.0', data: {} },
      ],
      D0,
    );
    expect(model).toEqual({ revision: 0, asOf: new Date(D0).toISOString(), services: [] });
  });

  it('pairs an incident resolved before its detection was read, and keeps an open one open', () => {
    const incident = (phase: string, id: string, time: number): ReportEvent => ({
      type: `dev.cdevents.incident.${phase}.0.3.0`,
      data: {
        context: { timestamp: new Date(time).toISOString() },
        subject: {
          id,
          content: {
            description: `${id} ${phase}`,
            service: { id: 's' },
            environment: { id: 'e' },
          },
        },
      },
    });
    const [service] = reportModel(
      [
        incident('resolved', 'a', D0 + 2 * DAY),
        incident('detected', 'a', D0 + DAY),
        incident('detected', 'b', D0 + 3 * DAY),
      ],
      D0 + 4 * DAY,
    ).services;
    expect(service?.incidents).toEqual([
      { id: 'a', description: 'a detected', start: D0 + DAY, end: D0 + 2 * DAY, open: false },
      { id: 'b', description: 'b detected', start: D0 + 3 * DAY, end: D0 + 4 * DAY, open: true },
    ]);
  });
});

describe('report page', () => {
  it('inlines everything, and no value can end its script elements', () => {
    const html = reportHtml(
      reportModel([frequency(D0, true, 1)], D0),
      { chartJs: 'var x = "</script>";', pageScript: '/* page */' },
      { source: 'topics <a> & <b>' },
    );
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('var x = "<\\/script>";');
    expect(html).toContain('topics &lt;a&gt; &amp; &lt;b&gt;');
    expect(html).not.toMatch(/<script[^>]+src=|<link /);
  });
});
