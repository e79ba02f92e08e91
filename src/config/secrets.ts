/**
 * Reading settings that may be secret or name files. Errors name the variable
 * and, for files, the path and the reason; never the value.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from './environment.js';

export type ReadFile = (path: string) => Buffer;

export const readFileFromDisk: ReadFile = (path) => readFileSync(path);

/** A trimmed variable, or undefined when unset or blank. */
export function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function booleanVariable(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = variable(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(name, 'expected true or false');
}

export function readNamedFile(name: string, path: string, readFile: ReadFile): Buffer {
  let content: Buffer;
  try {
    content = readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : 'unreadable';
    throw new ConfigurationError(name, `cannot read ${path} (${reason})`);
  }
  if (content.length === 0) throw new ConfigurationError(name, `${path} is empty`);
  return content;
}

/**
 * A secret from `NAME` or from the file named by `NAME_FILE` (a mounted
 * Kubernetes or Docker secret). One trailing newline of a file is dropped:
 * `echo secret > file` must not change the secret.
 */
export function secretVariable(
  env: NodeJS.ProcessEnv,
  name: string,
  readFile: ReadFile,
): string | undefined {
  const fileVariable = `${name}_FILE`;
  const inline = env[name];
  const path = variable(env, fileVariable);
  if (inline !== undefined && inline !== '' && path !== undefined) {
    throw new ConfigurationError(name, `set either ${name} or ${fileVariable}, not both`);
  }
  if (path !== undefined) {
    const secret = readNamedFile(fileVariable, path, readFile)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (secret === '') throw new ConfigurationError(fileVariable, `${path} holds an empty secret`);
    return secret;
  }
  return inline === undefined || inline === '' ? undefined : inline;
}
