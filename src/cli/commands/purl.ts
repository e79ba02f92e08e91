import { Command } from 'commander';
import { parsePurl, type PurlResult } from '../../domain/purl/index.js';

/** Where the command writes; tests pass their own. */
export interface PurlCommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
  setExitCode(code: number): void;
}

const processIo: PurlCommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** One line of `--json` output; the key order is part of the contract. */
function jsonLine(result: PurlResult): string {
  const parts = result.ok ? result.parts : null;
  return JSON.stringify({
    input: result.input,
    valid: result.ok,
    canonical: result.ok ? result.canonical : null,
    type: parts?.type ?? null,
    namespace: parts?.namespace ?? null,
    name: parts?.name ?? null,
    version: parts?.version ?? null,
    qualifiers: parts?.qualifiers ?? null,
    subpath: parts?.subpath ?? null,
    artifactKey: result.ok ? result.artifactKey : null,
    error: result.ok ? null : result.reason,
  });
}

/**
 * `cdstream purl PURL...`: prints each canonical purl on its own line (or,
 * with --json, one JSON object per input). Exit 1 if any input is invalid.
 */
export function purlCommand(io: PurlCommandIo = processIo): Command {
  return new Command('purl')
    .description(
      'Validate and canonicalise package-urls; print each canonical purl (or JSON) per line.',
    )
    .argument('<purl...>', 'package-urls to check')
    .option('--json', 'print a JSON object per input with its parts and artifact key')
    .action((inputs: string[], options: { json?: boolean }) => {
      let anyInvalid = false;
      for (const input of inputs) {
        const result = parsePurl(input);
        if (!result.ok) anyInvalid = true;
        if (options.json === true) io.stdout(jsonLine(result));
        else if (result.ok) io.stdout(result.canonical);
        else io.stderr(`invalid purl ${JSON.stringify(input)}: ${result.reason}`);
      }
      io.setExitCode(anyInvalid ? 1 : 0);
    });
}
