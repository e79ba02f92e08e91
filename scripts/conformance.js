// npm run conformance -- ../shared/cdevents-spec
// Runs the TypeScript sources on Node 24's type stripping. They import each
// other as `.js` (what tsc emits), so a resolve hook falls back to the `.ts`
// file beside a `.js` that does not exist.
import { registerHooks } from 'node:module';
import process from 'node:process';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});

const { runConformance } = await import('../src/validation/conformance.js');

const specDirectory = process.argv[2];
if (specDirectory === undefined) {
  process.stderr.write('usage: npm run conformance -- <cdevents-spec directory>\n');
  process.exit(2);
}
const report = await runConformance(specDirectory.replace(/\/$/, ''));
for (const failure of report.failures) process.stdout.write(`FAIL ${failure}\n`);
process.stdout.write(
  `examples accepted: ${report.accepted} of ${report.examples}\n` +
    `mutants rejected with the right code: ${report.rejected} of ${report.mutants}\n` +
    `conformance: ${report.accepted + report.rejected} passed, ${report.failures.length} failed\n`,
);
process.exitCode = report.failures.length === 0 ? 0 : 1;
