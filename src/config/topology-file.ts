/**
 * Reads a topology file (YAML), checks it against schemas/topology, and
 * gives the settings with defaults filled in. Every problem names the file,
 * line and column, and says what was expected.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { CdstreamError } from '../errors.js';
import topologySchema from '../../schemas/topology/topology.schema.json' with { type: 'json' };
import { parseDuration } from './duration.js';
import type { TopologyConfig } from './topology-config.js';
import { withDefaults, type TopologyFile } from './topology-defaults.js';

// verbose: errors carry their schema, whose description says what was expected
const validateSchema = new Ajv2020({
  allErrors: true,
  strict: true,
  verbose: true,
}).compile<TopologyFile>(topologySchema);

export interface TopologyProblem {
  readonly line: number;
  readonly column: number;
  /** dotted path of the key, e.g. aggregation.window.size */
  readonly key: string;
  readonly message: string;
}

export class TopologyFileError extends CdstreamError {
  constructor(
    readonly file: string,
    readonly problems: readonly TopologyProblem[],
  ) {
    super(
      'CONFIG_INVALID',
      problems
        .map((p) => `${file}:${p.line}:${p.column}: ${p.key ? `${p.key}: ` : ''}${p.message}`)
        .join('\n'),
    );
  }
}

export function loadTopologyFile(file: string): TopologyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new CdstreamError(
      'CONFIG_INVALID',
      `cannot read topology file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  return parseTopology(text, file);
}

export function parseTopology(text: string, file = '<topology>'): TopologyConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new TopologyFileError(
      file,
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return {
          line,
          column: col,
          key: '',
          message: error.message.split('\n')[0] ?? error.message,
        };
      }),
    );
  }
  const value: unknown = document.toJS();
  if (!validateSchema(value)) {
    const errors = validateSchema.errors ?? [];
    const expected = expectations(errors);
    const problems = errors
      .filter(isUseful)
      .map((error) => problemOf(error, expected.get(error.instancePath), document, lineCounter));
    throw new TopologyFileError(file, dedupe(problems));
  }
  return withDefaults(value, parseDuration);
}

/** The description of the schema a value failed, per place: what was expected there. */
function expectations(errors: readonly ErrorObject[]): Map<string, string> {
  const expected = new Map<string, string>();
  for (const error of errors) {
    const description = (error.parentSchema as { description?: string } | undefined)?.description;
    if (description && !expected.has(error.instancePath))
      expected.set(error.instancePath, description);
  }
  return expected;
}

/** A oneOf's branches each report their own failure; the place's description says it once. */
function isUseful(error: ErrorObject): boolean {
  return error.keyword !== 'oneOf';
}

function problemOf(
  error: ErrorObject,
  expected: string | undefined,
  document: Document,
  lineCounter: LineCounter,
): TopologyProblem {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer);
  let keyPath = path;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    keyPath = [...path, extra];
    message = `unknown key "${extra}"; expected one of: ${allowedKeys(error).join(', ')}`;
  } else if (error.keyword === 'required') {
    message = `missing required key "${String(error.params.missingProperty)}"`;
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (expected) {
    message = `expected ${expected}`;
  }
  const position = positionOf(
    document,
    keyPath,
    error.keyword === 'additionalProperties',
    lineCounter,
  );
  return { ...position, key: keyPath.join('.'), message };
}

function allowedKeys(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)
    ?.properties;
  return Object.keys(properties ?? {});
}

function positionOf(
  document: Document,
  path: readonly string[],
  pointAtKey: boolean,
  lineCounter: LineCounter,
) {
  // walk down to the deepest node that exists
  for (let depth = path.length; depth >= 0; depth--) {
    const parentPath = path.slice(0, Math.max(0, depth - 1));
    const parent = depth === 0 ? document.contents : document.getIn(parentPath, true);
    const last = path[depth - 1];
    let node: unknown = depth === 0 ? document.contents : undefined;
    if (depth > 0 && last !== undefined) {
      if (isMap(parent)) {
        const pair = parent.items.find(
          (item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === last,
        );
        node = pair ? (pointAtKey || pair.value === null ? pair.key : pair.value) : undefined;
      } else if (isSeq(parent)) {
        node = parent.items[Number(last)];
      }
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const { line, col } = lineCounter.linePos(range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function dedupe(problems: TopologyProblem[]): TopologyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
