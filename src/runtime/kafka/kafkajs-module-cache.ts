/**
 * Replacing one of kafkajs' own CommonJS modules: the replacement goes into
 * Node's module cache under the file's path, so every kafkajs module that
 * requires it later gets ours. It has to run before kafkajs' modules load.
 */
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Absolute path of a file inside the installed kafkajs package. */
export function kafkajsFile(relativePath: string): string {
  return require.resolve(`kafkajs/${relativePath}`);
}

/** The module kafkajs gets for `relativePath` now (the replacement once installed). */
export function kafkajsModule(relativePath: string): unknown {
  return require(kafkajsFile(relativePath));
}

/**
 * Puts `replace(original)` in the cache for `relativePath` unless the file is
 * already loaded. `original` loads kafkajs' own module on demand.
 */
export function replaceKafkajsModule(
  relativePath: string,
  replace: (original: () => unknown) => unknown,
): void {
  const path = kafkajsFile(relativePath);
  if (path in require.cache) return;
  const exports = replace(() => require(path));
  const replacement = new Module(path);
  replacement.filename = path;
  replacement.loaded = true;
  replacement.exports = exports;
  require.cache[path] = replacement;
}
