import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorCode } from '../errors.js';
import { ingestRecord } from './ingest.js';
import type { IngestResult } from './ingest.js';
import { EventValidator } from './validate.js';
import { CDEventValidators } from './cdevent-validators.js';

/**
 * Checks our validators against the official CDEvents examples (the
 * cdevents/spec conformance files): every example is accepted, bare and in a
 * structured CloudEvent, and mutants of it are refused with the right code.
 */
export interface ConformanceCase {
  name: string;
  /** 'accept', or the error code the event must be refused with */
  expect: 'accept' | ErrorCode;
  value: unknown;
  structured: boolean;
}

export interface ConformanceReport {
  examples: number;
  accepted: number;
  mutants: number;
  rejected: number;
  failures: string[];
}

type Json = Record<string, unknown>;

/** The example files of every version directory: `<version>/conformance/*.json` or `<version>/examples/*.json`. */
export function exampleFiles(specDirectory: string): string[] {
  const files: string[] = [];
  for (const version of readdirSync(specDirectory)
    .filter((name) => /^v\d/.test(name))
    .sort()) {
    for (const folder of ['conformance', 'examples']) {
      const directory = join(specDirectory, version, folder);
      if (!existsSync(directory)) continue;
      for (const file of readdirSync(directory)
        .filter((name) => name.endsWith('.json'))
        .sort()) {
        files.push(join(directory, file));
      }
    }
  }
  return files;
}

export function casesOf(
  name: string,
  example: Json,
  cdevents: CDEventValidators,
): ConformanceCase[] {
  const cases: ConformanceCase[] = [
    { name: `${name} (bare)`, expect: 'accept', value: example, structured: false },
    { name: `${name} (structured)`, expect: 'accept', value: wrap(example), structured: true },
  ];
  const mutant = (label: string, expect: ErrorCode, change: (event: Json) => void): void => {
    const copy = structuredClone(example);
    change(copy);
    cases.push({ name: `${name} ${label}`, expect, value: copy, structured: false });
  };
  mutant('without context.id', 'SCHEMA_VIOLATION', (event) => delete context(event).id);
  mutant('without subject.id', 'SCHEMA_VIOLATION', (event) => delete subject(event).id);
  mutant(
    'with a numeric context.source',
    'SCHEMA_VIOLATION',
    (event) => (context(event).source = 42),
  );
  mutant(
    'with subject.content a string',
    'SCHEMA_VIOLATION',
    (event) => (subject(event).content = 'x'),
  );
  mutant(
    'with a bad timestamp',
    'INVALID_TIMESTAMP',
    (event) => (context(event).timestamp = '20/03/2023 14:27'),
  );
  mutant(
    'with an unknown context field',
    'SCHEMA_VIOLATION',
    (event) => (context(event).unexpected = 'x'),
  );
  mutant(
    'with an unknown content field',
    'SCHEMA_VIOLATION',
    (event) => (content(event).unexpected = 'x'),
  );
  mutant('with non-base64 customData', 'SCHEMA_VIOLATION', (event) => {
    event.customData = 'not base64!';
    event.customDataContentType = 'application/xml';
  });
  const lookup = cdevents.lookup(String(context(example).type));
  const required = lookup.found
    ? Object.entries(lookup.definition.content).filter(([, type]) => type.endsWith('!'))
    : [];
  for (const [field] of required) {
    mutant(`without required content.${field}`, 'SCHEMA_VIOLATION', (event) =>
      Reflect.deleteProperty(content(event), field),
    );
  }
  cases.push({
    name: `${name} in a CloudEvent of another type`,
    expect: 'TYPE_MISMATCH',
    value: { ...wrap(example), type: otherTypeThan(String(context(example).type)) },
    structured: true,
  });
  return cases;
}

export async function runConformance(specDirectory: string): Promise<ConformanceReport> {
  const validator = new EventValidator();
  const cdevents = new CDEventValidators();
  const report: ConformanceReport = {
    examples: 0,
    accepted: 0,
    mutants: 0,
    rejected: 0,
    failures: [],
  };
  for (const file of exampleFiles(specDirectory)) {
    const example = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const name = file.slice(specDirectory.length).replace(/^\//, '');
    for (const testCase of casesOf(name, example, cdevents)) {
      const outcome = await check(testCase, validator);
      const isExample = testCase.expect === 'accept';
      if (isExample) report.examples++;
      else report.mutants++;
      if (outcome === undefined) {
        if (isExample) report.accepted++;
        else report.rejected++;
      } else {
        report.failures.push(`${testCase.name}: ${outcome}`);
      }
    }
  }
  return report;
}

/** undefined when the case behaves as expected, else what happened instead. */
async function check(
  testCase: ConformanceCase,
  validator: EventValidator,
): Promise<string | undefined> {
  const [result] = await ingestRecord(
    {
      value: Buffer.from(JSON.stringify(testCase.value)),
      headers: testCase.structured ? { 'content-type': 'application/cloudevents+json' } : {},
    },
    validator,
  );
  const expected = testCase.expect === 'accept' ? 'accepted' : testCase.expect;
  const got = result === undefined ? 'no result' : result.ok ? 'accepted' : result.error.code;
  return got === expected ? undefined : `expected ${expected}, got ${describe(result)}`;
}

function describe(result: IngestResult | undefined): string {
  if (result === undefined) return 'no result';
  if (result.ok) return 'accepted';
  const { code, path, message } = result.error;
  return `${code}${path === undefined ? '' : ` at ${path}`} (${message})`;
}

function otherTypeThan(type: string): string {
  const other = 'dev.cdevents.build.queued.0.3.0';
  return type === other ? 'dev.cdevents.build.started.0.3.0' : other;
}

function wrap(cdevent: Json): Json {
  const { id, source, type, timestamp } = context(cdevent);
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time: timestamp,
    datacontenttype: 'application/json',
    data: cdevent,
  };
}

function context(event: Json): Json {
  return event.context as Json;
}

function subject(event: Json): Json {
  return event.subject as Json;
}

function content(event: Json): Json {
  return subject(event).content as Json;
}
