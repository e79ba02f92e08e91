/** The texts the report page inlines, read once from the installed chart library and assets/. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PageAssets } from './report-html.js';

const PAGE_SCRIPT = new URL('../../assets/report/page.js', import.meta.url);

let assets: PageAssets | undefined;

export function pageAssets(): PageAssets {
  if (assets === undefined) {
    // chart.js does not export its browser bundle; it sits beside its main file
    const main = createRequire(import.meta.url).resolve('chart.js');
    assets = {
      chartJs: readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8'),
      pageScript: readFileSync(PAGE_SCRIPT, 'utf8'),
    };
  }
  return assets;
}
