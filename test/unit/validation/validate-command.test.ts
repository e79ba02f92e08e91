import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/commands/validate.js';
import type { ValidateCommandIo } from '../../../src/cli/commands/validate.js';

const deployed = {
  context: {
    specversion: '0.5.1',
    id: '1',
    source: '/cd',
    type: 'dev.cdevents.service.deployed.0.3.0',
    timestamp: '2024-05-01T10:00:00Z',
  },
  subject: {
    id: 'app',
    content: { environment: { id: 'prod' }, artifactId: 'pkg:oci/app@sha256%3Aabc' },
  },
};
const broken = { ...deployed, subject: { id: 'app', content: {} } };

async function run(
  files: Record<string, string>,
  args: string[],
): Promise<{ out: string[]; err: string[]; code: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | undefined;
  const io: ValidateCommandIo = {
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return Buffer.from(text);
    },
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    setExitCode: (exit) => (code = exit),
  };
  await validateCommand(io).parseAsync(args, { from: 'user' });
  return { out, err, code };
}

describe('cdstream validate', () => {
  it('prints one JSON line per event of a JSON file, an array and NDJSON, exit 0 when all are valid', async () => {
    const files = {
      'one.json': JSON.stringify(deployed, null, 2),
      'many.json': JSON.stringify([deployed, deployed]),
      'lines.ndjson': `${JSON.stringify(deployed)}\n${JSON.stringify({ specversion: '1.0', id: '2', source: '/cd', type: deployed.context.type, data: deployed })}\n`,
    };
    const { out, code } = await run(files, ['--json', 'one.json', 'many.json', 'lines.ndjson']);
    expect(code).toBe(0);
    expect(out.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        file: 'one.json',
        index: 0,
        valid: true,
        type: 'dev.cdevents.service.deployed',
        version: '0.3.0',
        errors: [],
      },
      {
        file: 'many.json',
        index: 0,
        valid: true,
        type: 'dev.cdevents.service.deployed',
        version: '0.3.0',
        errors: [],
      },
      {
        file: 'many.json',
        index: 1,
        valid: true,
        type: 'dev.cdevents.service.deployed',
        version: '0.3.0',
        errors: [],
      },
      {
        file: 'lines.ndjson',
        index: 0,
        valid: true,
        type: 'dev.cdevents.service.deployed',
        version: '0.3.0',
        errors: [],
      },
      {
        file: 'lines.ndjson',
        index: 1,
        valid: true,
        type: 'dev.cdevents.service.deployed',
        version: '0.3.0',
        errors: [],
      },
    ]);
  });

  it('exits 1 and lists the errors when an event is invalid', async () => {
    const { out, code } = await run({ 'bad.json': JSON.stringify([deployed, broken]) }, [
      '--json',
      'bad.json',
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(out[1] ?? '')).toEqual({
      file: 'bad.json',
      index: 1,
      valid: false,
      type: 'dev.cdevents.service.deployed',
      version: '0.3.0',
      errors: [
        {
          code: 'SCHEMA_VIOLATION',
          path: '/subject/content/environment',
          message: '/subject/content/environment is required',
        },
      ],
    });
  });

  it('prints a readable line per event without --json', async () => {
    const { out } = await run({ 'bad.json': JSON.stringify([deployed, broken]) }, ['bad.json']);
    expect(out[0]).toBe('bad.json[0]: valid dev.cdevents.service.deployed 0.3.0');
    expect(out[1]).toMatch(
      /^bad\.json\[1\]: invalid .*SCHEMA_VIOLATION at \/subject\/content\/environment/,
    );
  });

  it('reports a file that is not JSON as one invalid event', async () => {
    const { out, code } = await run({ 'junk.json': '{ nope' }, ['--json', 'junk.json']);
    expect(code).toBe(1);
    expect((JSON.parse(out[0] ?? '') as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'DECODE_JSON',
    );
  });

  it('exits 2 when a file cannot be read, validating nothing', async () => {
    const { out, err, code } = await run({ 'one.json': JSON.stringify(deployed) }, [
      'one.json',
      'missing.json',
    ]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/cannot read missing\.json/);
  });
});
