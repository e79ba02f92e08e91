/**
 * Copies of topologies/default.yaml with a unique application id and topic
 * names, so benchmark and fault runs never touch other runs' topics or groups.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export interface PipelineNames {
  readonly appId: string;
  readonly input: string;
  readonly deadLetter: string;
  readonly enriched: string;
  readonly metrics: string;
  readonly incidents: string;
  readonly late: string;
  /** ingest → join, holds every processed event (and the ingest tasks' watermark records) */
  readonly repartition: string;
  /** join → aggregate: the enriched events again, with the join tasks' watermark records */
  readonly byService: string;
}

export function pipelineNames(appId: string, input = `${appId}.in`): PipelineNames {
  return {
    appId,
    input,
    deadLetter: `${appId}.dlq`,
    enriched: `${appId}.enriched`,
    metrics: `${appId}.metrics`,
    incidents: `${appId}.incidents`,
    late: `${appId}.late`,
    repartition: `${appId}-by-artifact-repartition`,
    byService: `${appId}-by-service-repartition`,
  };
}

const DEFAULT_TOPOLOGY = new URL('../../topologies/default.yaml', import.meta.url);

/** Writes the copy to `file`; `overrides` are merged into the top-level sections. */
export function writeTopology(
  file: string,
  names: PipelineNames,
  partitions: number,
  overrides: Record<string, Record<string, unknown>> = {},
): string {
  const topology = parse(readFileSync(DEFAULT_TOPOLOGY, 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const sections: Record<string, Record<string, unknown>> = {
    inputs: { ...topology.inputs, topics: [names.input], partitions, avro: true },
    outputs: {
      ...topology.outputs,
      deadLetter: names.deadLetter,
      enriched: names.enriched,
      metrics: names.metrics,
      incidents: names.incidents,
      late: names.late,
    },
  };
  const merged: Record<string, unknown> = { ...topology, applicationId: names.appId };
  for (const [section, values] of Object.entries({ ...topology, ...sections })) {
    if (typeof values === 'object') {
      merged[section] = { ...values, ...sections[section], ...overrides[section] };
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(merged));
  return file;
}
