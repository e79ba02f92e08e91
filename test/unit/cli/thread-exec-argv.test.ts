import { describe, expect, it } from 'vitest';
import { threadExecArgv } from '../../../src/cli/thread-exec-argv.js';

describe('threadExecArgv', () => {
  it("drops V8's heap sizes, in both forms, and keeps every other option", () => {
    expect(
      threadExecArgv([
        '--max-semi-space-size=16',
        '--import',
        './scripts/ts-resolve.js',
        '--max-old-space-size',
        '768',
        '--cpu-prof',
      ]),
    ).toEqual(['--import', './scripts/ts-resolve.js', '--cpu-prof']);
  });

  it('keeps options that only start like a heap size', () => {
    expect(threadExecArgv(['--max-semi-space-sizes=1', '--max-http-header-size=9000'])).toEqual([
      '--max-semi-space-sizes=1',
      '--max-http-header-size=9000',
    ]);
  });
});
