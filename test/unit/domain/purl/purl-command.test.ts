import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { purlCommand } from '../../../../src/cli/commands/purl.js';

async function run(
  args: string[],
): Promise<{ stdout: string[]; stderr: string[]; exitCode: number | undefined }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exitCode: number | undefined;
  const program = new Command('cdstream')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.addCommand(
    purlCommand({
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      setExitCode: (code) => (exitCode = code),
    }).copyInheritedSettings(program),
  );
  await program.parseAsync(['purl', ...args], { from: 'user' });
  return { stdout, stderr, exitCode };
}

describe('cdstream purl', () => {
  it('prints one canonical purl per line and exits 0', async () => {
    const result = await run([
      'pkg:oci/myapp@sha256%3AABC?repository_url=mycr.io/myapp',
      'PKG:NPM/foo@1',
    ]);
    expect(result).toEqual({
      stdout: ['pkg:oci/myapp@sha256:abc?repository_url=mycr.io%2Fmyapp', 'pkg:npm/foo@1'],
      stderr: [],
      exitCode: 0,
    });
  });

  it('reports an invalid purl on stderr and exits 1', async () => {
    const result = await run(['pkg:npm/foo@1', 'nope']);
    expect(result.stdout).toEqual(['pkg:npm/foo@1']);
    expect(result.stderr).toEqual(['invalid purl "nope": missing the "pkg:" scheme']);
    expect(result.exitCode).toBe(1);
  });

  it('--json prints the contract object per input, keys in order, null for absent parts', async () => {
    const result = await run([
      '--json',
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      'pkg:npm',
    ]);
    const [valid, invalid] = result.stdout;
    expect(Object.keys(JSON.parse(valid ?? '{}') as object)).toEqual([
      'input',
      'valid',
      'canonical',
      'type',
      'namespace',
      'name',
      'version',
      'qualifiers',
      'subpath',
      'artifactKey',
      'error',
    ]);
    expect(JSON.parse(valid ?? '{}')).toEqual({
      input: 'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      valid: true,
      canonical: 'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      type: 'deb',
      namespace: 'debian',
      name: 'curl',
      version: '7.50.3-1',
      qualifiers: { arch: 'i386', distro: 'jessie' },
      subpath: null,
      artifactKey: 'pkg:deb/debian/curl@7.50.3-1?distro=jessie',
      error: null,
    });
    expect(JSON.parse(invalid ?? '{}')).toMatchObject({
      input: 'pkg:npm',
      valid: false,
      canonical: null,
      qualifiers: null,
    });
    expect((JSON.parse(invalid ?? '{}') as { error: string }).error).toMatch(/name/);
    expect(result.exitCode).toBe(1);
  });

  it.each([[[]], [['--bogus', 'pkg:npm/x']]])(
    'is a usage error (for exit code 2) with %j',
    async (args) => {
      const error = await run(args).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).not.toBe(0);
    },
  );
});
