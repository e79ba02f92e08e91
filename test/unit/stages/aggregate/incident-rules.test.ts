import { describe, expect, it } from 'vitest';
import { decodeStructured } from '../../../../src/cloudevents/envelope.js';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/dora/index.js';
import {
  aggregateStage,
  type AggregateStageOptions,
} from '../../../../src/stages/aggregate/index.js';
import type { DriverRecord } from '../../../../src/runtime/test-driver.js';
import { EventValidator } from '../../../../src/validation/index.js';
import { driverFor, pipe, TOPICS } from './driver-helpers.js';
import {
  deployment,
  incident,
  outcome,
  purlOf,
  removal,
  replicaSet,
  scan,
} from './enriched-events.js';

const D0 = Date.UTC(2026, 2, 2);
const SOURCE = '/cdstream/test';
const shop = (time: number, id?: string) => ({
  service: 'shop',
  environment: 'prod',
  time: D0 + time,
  ...(id ? { id } : {}),
});
const CRITICAL = { critical: 1, criticalIds: ['CVE-2026-1234'] };

const stage = (options: Partial<AggregateStageOptions> = {}) =>
  aggregateStage({
    source: SOURCE,
    topics: TOPICS,
    windows: [{ name: 'P1D', sizeMs: DAY_MS }],
    graceMs: HOUR_MS,

    ...options,
  });

interface Incident {
  type: string;
  id: string;
  subjectId: string;
  description: string;
  artifactId: string | undefined;
  service: unknown;
}

function incidents(records: readonly DriverRecord[]): Incident[] {
  const validator = new EventValidator();
  return records.map((record) => {
    const event = decodeStructured(record.value);
    const result = validator.validate({
      ...event,
      dataPath: '/data',
      mode: 'structured',
      encoding: 'json',
    });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(event.attributes.source).toBe(SOURCE);
    const data = event.data as {
      subject: { id: string; content: { description: string; artifactId?: string } };
    };
    expect(record.key?.toString()).toBe('shop/prod');
    return {
      type: event.attributes.type,
      id: event.attributes.id,
      subjectId: data.subject.id,
      description: data.subject.content.description,
      artifactId: data.subject.content.artifactId,
      service: event.extensions.cdsservice,
    };
  });
}

describe('vulnerability incidents through the stage', () => {
  it('a critical CVE on the running digest opens one incident; re-sent scans open none; a fixed digest resolves it', async () => {
    const counts: string[] = [];
    const driver = driverFor(stage({ onCount: (name) => counts.push(name) }));
    await pipe(driver, [deployment(shop(HOUR_MS), { artifact: 'v1' })]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);

    const report = scan(shop(2 * HOUR_MS, 'scan-1'), 'v1', CRITICAL);
    await pipe(driver, [report, report, scan(shop(2.5 * HOUR_MS), 'v1', CRITICAL)]);
    const opened = incidents(driver.readOutput(TOPICS.incidents));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      type: 'dev.cdevents.incident.detected.0.3.0',
      artifactId: purlOf('shop', 'v1'),
      service: 'shop',
    });
    expect(opened[0]?.description).toMatch(/rule vulnerability: .*CVE-2026-1234/);

    await pipe(driver, [
      deployment(shop(3 * HOUR_MS), { artifact: 'v2', vulnerabilities: { critical: 0 } }),
    ]);
    const resolved = incidents(driver.readOutput(TOPICS.incidents));
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({
      type: 'dev.cdevents.incident.resolved.0.3.0',
      subjectId: opened[0]?.subjectId,
      artifactId: purlOf('shop', 'v1'),
    });
    expect(counts.filter((name) => name.startsWith('incidents.'))).toEqual([
      'incidents.opened',
      'incidents.resolved',
    ]);
  });

  it('a deployment of a scanned vulnerable artifact opens at once; removing the service resolves', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(HOUR_MS), { artifact: 'v1', vulnerabilities: CRITICAL }),
      removal(shop(2 * HOUR_MS)),
    ]);
    expect(incidents(driver.readOutput(TOPICS.incidents)).map((i) => i.type)).toEqual([
      'dev.cdevents.incident.detected.0.3.0',
      'dev.cdevents.incident.resolved.0.3.0',
    ]);
  });

  it('ignores a scan of a digest the service does not run, and the rule can be switched off', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(HOUR_MS), { artifact: 'v1' }),
      scan(shop(2 * HOUR_MS), 'old', CRITICAL),
    ]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);
    const off = driverFor(stage({ rules: { vulnerability: false } }));
    await pipe(off, [deployment(shop(HOUR_MS), { artifact: 'v1', vulnerabilities: CRITICAL })]);
    expect(off.readOutput(TOPICS.incidents)).toEqual([]);
  });

  it('re-emission after a restart carries the same ids', async () => {
    const run = async () => {
      const driver = driverFor(stage());
      await pipe(driver, [
        deployment(shop(HOUR_MS, 'd1'), { artifact: 'v1', vulnerabilities: CRITICAL }),
      ]);
      return incidents(driver.readOutput(TOPICS.incidents)).map((i) => i.id);
    };
    expect(await run()).toEqual(await run());
  });

  it('dead-letters a derived incident that fails validation (here: a source that is no URI reference) and emits nothing', async () => {
    const driver = driverFor(stage({ source: 'not a uri reference' }));
    await pipe(driver, [deployment(shop(HOUR_MS), { artifact: 'v1', vulnerabilities: CRITICAL })]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);
    const dead = driver.readOutput(TOPICS.deadLetter);
    expect(dead).toHaveLength(1);
    expect(String(dead[0]?.headers['cdstream-error-code'])).toBe('PROCESSING_FAILED');
    expect(String(dead[0]?.headers['cdstream-error'])).toContain('derived incident');
  });
});

describe('failure-burst incidents through the stage', () => {
  it('opens after N failed runs within the window and resolves after M consecutive successes', async () => {
    const driver = driverFor(
      stage({ rules: { failureBurst: { failures: 3, windowMs: HOUR_MS, successesToResolve: 2 } } }),
    );
    await pipe(driver, [
      outcome(shop(0), 'pipelinerun', 'failure'),
      outcome(shop(10 * 60_000), 'testcaserun', 'fail'),
      outcome(shop(20 * 60_000), 'pipelinerun', 'success'),
    ]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);
    await pipe(driver, [outcome(shop(30 * 60_000), 'pipelinerun', 'failure')]);
    const opened = incidents(driver.readOutput(TOPICS.incidents));
    expect(opened.map((i) => i.type)).toEqual(['dev.cdevents.incident.detected.0.3.0']);
    expect(opened[0]?.description).toMatch(
      /rule failure-burst: 3 failures \(pipelinerun, testcaserun\)/,
    );
    expect(opened[0]?.artifactId).toBeUndefined();

    await pipe(driver, [outcome(shop(40 * 60_000), 'testcaserun', 'pass')]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);
    await pipe(driver, [outcome(shop(50 * 60_000), 'pipelinerun', 'success')]);
    expect(incidents(driver.readOutput(TOPICS.incidents))).toMatchObject([
      { type: 'dev.cdevents.incident.resolved.0.3.0', subjectId: opened[0]?.subjectId },
    ]);
  });

  it('counts rollbacks as failures', async () => {
    const driver = driverFor(
      stage({
        rules: {
          vulnerability: false,
          failureBurst: { failures: 2, windowMs: HOUR_MS, successesToResolve: 1 },
        },
      }),
    );
    await pipe(driver, [
      deployment(shop(0), { artifact: 'a', predicate: 'rolledback' }),
      deployment(shop(60_000), { artifact: 'b', predicate: 'rolledback' }),
    ]);
    expect(incidents(driver.readOutput(TOPICS.incidents))).toHaveLength(1);
  });
});

describe('producer incidents', () => {
  it('are not re-emitted; duplicates do not open twice; cdstream ignores its own derived incidents read back', async () => {
    const counts: string[] = [];
    const driver = driverFor(stage({ onCount: (name) => counts.push(name) }));
    await pipe(driver, [
      incident(shop(HOUR_MS), { phase: 'detected', incident: 'i-1' }),
      incident(shop(HOUR_MS), { phase: 'detected', incident: 'i-1' }),
    ]);
    expect(driver.readOutput(TOPICS.incidents)).toEqual([]);
    expect(counts).toEqual(['incidents.producer.opened', 'incidents.producer.duplicate']);

    await pipe(driver, [
      deployment(shop(2 * HOUR_MS), { artifact: 'v1', vulnerabilities: CRITICAL }),
    ]);
    const [derived] = driver.readOutput(TOPICS.incidents);
    expect(derived).toBeDefined();
    counts.length = 0;
    await driver.pipeInput(TOPICS.input, [
      { key: derived?.key ?? null, value: derived?.value ?? null, timestamp: D0 + 2 * HOUR_MS },
    ]);
    expect(counts).toEqual(['incidents.own-ignored']);
  });
});

describe('Knative ReplicaSet rollouts', () => {
  it('count as deployments when configured and the digest is new for the workload', async () => {
    const counts: string[] = [];
    const driver = driverFor(
      stage({ countReplicaSetRollouts: true, onCount: (name) => counts.push(name) }),
    );
    await pipe(driver, [
      replicaSet(shop(HOUR_MS), 'add', 'a'),
      replicaSet(shop(2 * HOUR_MS), 'update', 'a'),
      replicaSet(shop(3 * HOUR_MS), 'updated', 'b'),
    ]);
    expect(counts.filter((name) => name === 'deployments.counted')).toHaveLength(2);
    const off: string[] = [];
    const quiet = driverFor(
      stage({ countReplicaSetRollouts: false, onCount: (name) => off.push(name) }),
    );
    await pipe(quiet, [replicaSet(shop(HOUR_MS), 'add', 'a')]);
    expect(off).not.toContain('deployments.counted');
  });

  it('a deleted ReplicaSet of the running digest resolves its vulnerability incident', async () => {
    const driver = driverFor(stage());
    await pipe(driver, [
      deployment(shop(HOUR_MS), { artifact: 'a', vulnerabilities: CRITICAL }),
      replicaSet(shop(2 * HOUR_MS), 'delete', 'a'),
    ]);
    expect(incidents(driver.readOutput(TOPICS.incidents)).map((i) => i.type.split('.')[3])).toEqual(
      ['detected', 'resolved'],
    );
  });
});
