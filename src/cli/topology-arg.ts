import type { TopologyConfig } from '../config/topology-config.js';
import { loadTopologyFile } from '../config/topology-file.js';

/** The topology of a `--topology FILE` option; a broken file ends the command with exit 2 and its errors. */
export function loadTopologyOrExit(file: string): TopologyConfig {
  try {
    return loadTopologyFile(file);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
