import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { pageAssets } from '../../report/page-assets.js';
import { reportHtml } from '../../report/report-html.js';
import { reportModel, type ReportEvent } from '../../report/report-model.js';
import { connectionsFromEnvironment } from '../connections.js';
import { readReportEvents, reportTopics } from '../report-topics.js';
import { loadTopologyOrExit } from '../topology-arg.js';

interface ReportOptions {
  out: string;
  topology: string;
}

/** Writes the report page of these events to `out` (folders created); returns its absolute path. */
export function writeReport(
  out: string,
  events: Iterable<ReportEvent>,
  source: string,
  asOfMs = Date.now(),
): string {
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, reportHtml(reportModel(events, asOfMs), pageAssets(), { source }));
  return path;
}

export const topicsSource = (topics: readonly string[]): string =>
  `read from ${topics.join(' and ')}`;

/** `cdstream report --out FILE.html`: the metrics and incidents topics as one offline HTML page. */
export function reportCommand(): Command {
  return new Command('report')
    .description(
      'Write one self-contained HTML page (works offline) of the metrics and incidents topics: per service and environment, the DORA metrics over time with their bands, and the incidents on a timeline.',
    )
    .requiredOption('--out <file>', 'the HTML file to write')
    .option(
      '--topology <file>',
      'topology file (YAML) naming the metrics and incidents topics',
      'topologies/default.yaml',
    )
    .addHelpText(
      'after',
      '\nReads both topics read_committed from their start to their end at the moment it starts, then writes the page and prints "report: <absolute path>".' +
        '\nExit codes: 0 written, 1 broker error, missing topic or unwritable file, 2 usage or topology error.',
    )
    .action(async (options: ReportOptions) => {
      const config = loadTopologyOrExit(options.topology);
      const topics = reportTopics(config);
      const events = await readReportEvents(connectionsFromEnvironment(), topics);
      const path = writeReport(options.out, events, topicsSource(topics));
      process.stdout.write(`report: ${path}\n`);
      process.exit(0);
    });
}
