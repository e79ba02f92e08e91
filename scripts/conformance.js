// npm run conformance -- ../shared/cdevents-spec
// Runs the TypeScript sources directly on Node 24 (see ts-resolve.js).
import process from 'node:process';
import './ts-resolve.js';

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
