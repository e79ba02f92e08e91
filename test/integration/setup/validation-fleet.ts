/**
 * What the `cdstream run` fleet tests share: a deployment CloudEvent, a
 * validation-only topology (ingest alone) and the URL a worker serves.
 */
import { writeFileSync } from 'node:fs';
import type { WorkerProcess } from './fleet.js';

export const deployedEvent = (id: string): string =>
  JSON.stringify({
    specversion: '1.0',
    id,
    source: '/ci/test',
    type: 'dev.cdevents.service.deployed.0.3.0',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      context: {
        specversion: '0.5.1',
        id,
        source: '/ci/test',
        type: 'dev.cdevents.service.deployed.0.3.0',
        timestamp: new Date().toISOString(),
      },
      subject: {
        id: 'checkout',
        source: '/ci/test',
        content: {
          environment: { id: 'production' },
          artifactId: `pkg:oci/checkout@sha256%3A${'a'.repeat(64)}`,
        },
      },
    },
  });

/** Writes `.local/<appId>.yaml`: ingest alone, from `input` to `<appId>.validated`. */
export function writeValidationTopology(appId: string, input: string): string {
  const file = `.local/${appId}.yaml`;
  writeFileSync(
    file,
    [
      `applicationId: ${appId}`,
      'inputs:',
      `  topics: [${input}]`,
      'enrichment: { enabled: false }',
      'aggregation: { enabled: false }',
      'outputs:',
      `  deadLetter: ${appId}.dlq`,
      `  enriched: ${appId}.validated`,
      'runtime: { commitInterval: 50ms }',
    ].join('\n'),
  );
  return file;
}

/** The base URL of the worker's /metrics and health endpoints, from its start line. */
export async function metricsUrlOf(worker: WorkerProcess): Promise<string> {
  const line = await worker.waitForLine(/metrics at http/);
  return (JSON.parse(line) as { url: string }).url;
}
