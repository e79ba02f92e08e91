/**
 * Where the official CDEvents schemas and examples are: `CDEVENTS_SPEC_DIR`,
 * else `shared/cdevents-spec` beside the repository, else beside the
 * repository it was cloned from (a CI clone elsewhere of a local checkout).
 * The directory returned may not exist; the tests then fail and say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const REPOSITORY = resolve(import.meta.dirname, '../..');

function besideOrigin(): string | undefined {
  try {
    const origin = execFileSync('git', ['-C', REPOSITORY, 'remote', 'get-url', 'origin'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return isAbsolute(origin) ? join(dirname(resolve(origin)), 'shared/cdevents-spec') : undefined;
  } catch {
    return undefined;
  }
}

export function cdeventsSpecDirectory(): string {
  if (process.env.CDEVENTS_SPEC_DIR) return process.env.CDEVENTS_SPEC_DIR;
  const beside = join(dirname(REPOSITORY), 'shared/cdevents-spec');
  if (existsSync(beside)) return beside;
  return besideOrigin() ?? beside;
}
