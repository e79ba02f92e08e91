import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { decodeUtf8, parseJson, DEFAULT_MAX_JSON_DEPTH } from '../../cloudevents/json.js';
import { CdstreamError, isCdstreamError } from '../../errors.js';
import { ingestRecord } from '../../validation/ingest.js';
import type { IngestResult } from '../../validation/ingest.js';
import { ingested } from '../../stages/ingest/normalise.js';
import { EventValidator } from '../../validation/validate.js';

/** Where the command reads and writes; tests pass their own. */
export interface ValidateCommandIo {
  readFile(path: string): Buffer;
  stdout(line: string): void;
  stderr(line: string): void;
  setExitCode(code: number): void;
}

const processIo: ValidateCommandIo = {
  readFile: (path) => readFileSync(path),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

interface ValidateOptions {
  json?: boolean;
  unknownTypes: 'pass' | 'dead-letter';
}

/**
 * `cdstream validate PATH...`: validates every event of the files as ingest
 * would. Exit 0 when all are valid, 1 when any is not, 2 on usage errors
 * (a file that cannot be read included).
 */
export function validateCommand(io: ValidateCommandIo = processIo): Command {
  return new Command('validate')
    .description(
      'Validate CloudEvents/CDEvents files as the ingest stage would: a JSON event, a JSON array of events, or NDJSON.',
    )
    .argument('<path...>', 'files of events (structured CloudEvents JSON or bare CDEvents)')
    .option('--json', 'print one JSON object per event: file, index, valid, type, version, errors')
    .addOption(
      new Option('--unknown-types <policy>', 'what to do with types cdstream does not know')
        .choices(['pass', 'dead-letter'])
        .default('dead-letter'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 all events valid, 1 any event invalid, 2 usage error (including a missing or unreadable file).',
    )
    .action(async (paths: string[], options: ValidateOptions) => {
      const files = readAll(paths, io);
      if (files === undefined) {
        io.setExitCode(2);
        return;
      }
      const validator = new EventValidator({ unknownTypes: options.unknownTypes });
      let anyInvalid = false;
      for (const [file, bytes] of files) {
        const events = eventsOf(bytes);
        for (const [index, event] of events.entries()) {
          const result = await validateEvent(event, validator);
          if (!result.ok) anyInvalid = true;
          io.stdout(
            options.json === true ? jsonLine(file, index, result) : textLine(file, index, result),
          );
        }
      }
      io.setExitCode(anyInvalid ? 1 : 0);
    });
}

function readAll(paths: string[], io: ValidateCommandIo): Map<string, Buffer> | undefined {
  const files = new Map<string, Buffer>();
  for (const path of paths) {
    try {
      files.set(path, io.readFile(path));
    } catch (error) {
      io.stderr(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
  return files;
}

/** One entry per event: its JSON value, or why the file could not be split into events. */
type FileEvent = { value: unknown } | { error: CdstreamError };

/** A JSON document (one event or an array of events), else NDJSON, one event per line. */
export function eventsOf(bytes: Buffer): FileEvent[] {
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    return [{ error: asCdstreamError(error) }];
  }
  try {
    const document = parseJson(text, DEFAULT_MAX_JSON_DEPTH + 1);
    return Array.isArray(document)
      ? document.map((value: unknown) => ({ value }))
      : [{ value: document }];
  } catch (documentError) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const looksLikeNdjson = lines.length > 1 && parsesAlone(lines[0] ?? '');
    if (!looksLikeNdjson) return [{ error: asCdstreamError(documentError) }];
    return lines.map((line) => {
      try {
        return { value: parseJson(line) };
      } catch (error) {
        return { error: asCdstreamError(error) };
      }
    });
  }
}

function parsesAlone(line: string): boolean {
  try {
    parseJson(line);
    return true;
  } catch {
    return false;
  }
}

/** The event goes through the very code of ingest, as the record a producer would send. */
async function validateEvent(event: FileEvent, validator: EventValidator): Promise<IngestResult> {
  if ('error' in event) return { ok: false, error: event.error, errors: [event.error] };
  const structured =
    typeof event.value === 'object' && event.value !== null && 'specversion' in event.value;
  const results = await ingestRecord(
    {
      value: Buffer.from(JSON.stringify(event.value)),
      headers: structured ? { 'content-type': 'application/cloudevents+json' } : {},
    },
    validator,
    { recordTimestamp: Date.now() },
  );
  const [result] = results;
  if (result === undefined) throw new Error('ingest returned no result for one event');
  if (!result.ok) return result;
  // normalisation (scan reports, artifact keys) is part of what ingest checks
  try {
    ingested(result.event, Date.now());
  } catch (error) {
    if (!isCdstreamError(error)) throw error;
    return {
      ok: false,
      error,
      errors: [error],
      type: result.event.type,
      version: result.event.version,
    };
  }
  return result;
}

/** One line of `--json` output; the key order is part of the contract. */
function jsonLine(file: string, index: number, result: IngestResult): string {
  return JSON.stringify({
    file,
    index,
    valid: result.ok,
    type: (result.ok ? result.event.type : result.type) ?? null,
    version: (result.ok ? result.event.version : result.version) ?? null,
    errors: result.ok
      ? []
      : result.errors.map((error) => ({
          code: error.code,
          path: error.path ?? null,
          message: error.message,
        })),
  });
}

function textLine(file: string, index: number, result: IngestResult): string {
  const where = `${file}[${index}]`;
  if (result.ok) {
    const { type, version, validated } = result.event;
    return `${where}: valid ${type}${version === undefined ? '' : ` ${version}`}${validated ? '' : ' (unvalidated: unknown type)'}`;
  }
  const errors = result.errors.map(
    (error) => `${error.code}${error.path ? ` at ${error.path}` : ''}: ${error.message}`,
  );
  return (
    `${where}: invalid ${result.type ?? ''} ${result.version ?? ''}`.trimEnd() +
    ` — ${errors.join('; ')}`
  );
}

function asCdstreamError(error: unknown): CdstreamError {
  return isCdstreamError(error) ? error : new CdstreamError('DECODE_JSON', String(error));
}
