/**
 * The report as one self-contained HTML page: the model as JSON, the chart
 * library and the page's script inlined, nothing fetched from a network.
 * Pure: model and script texts in, HTML out.
 */
import type { ReportModel } from './report-model.js';

export interface PageAssets {
  /** the chart library's minified browser bundle */
  readonly chartJs: string;
  /** assets/report/page.js: draws the model with the chart library */
  readonly pageScript: string;
}

export interface PageOptions {
  /** what the numbers were read from, shown under the title */
  readonly source: string;
  /** the dashboard's data endpoint, polled by the page; absent for a static report */
  readonly live?: { readonly url: string; readonly intervalMs: number };
}

export const DATA_ELEMENT_ID = 'cdstream-report-data';

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A script's text can hold anything but its own end tag. */
const inlineScript = (code: string): string => code.replace(/<\/(script)/gi, '<\\/$1');

/** JSON in a script element: no `<` (no end tag, no comment opener), no line separators. */
const inlineJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
  h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
  h2 { margin: 2rem 0 .5rem; font-size: 1.2rem; border-bottom: 1px solid #ccc; }
  .meta, .legend { color: #555; font-size: .9rem; margin: .2rem 0; }
  .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 50%; margin: 0 .2rem 0 .8rem; vertical-align: -1px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1rem; }
  figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .6rem; }
  figcaption { font-weight: 600; font-size: .95rem; }
  figcaption small { font-weight: 400; color: #666; }
  .chart { position: relative; height: 220px; }
  .note { color: #777; font-size: .85rem; margin: .2rem 0 0; }
  .wide { grid-column: 1 / -1; }
`;

export function reportHtml(model: ReportModel, assets: PageAssets, options: PageOptions): string {
  const live = options.live
    ? ` data-live-url="${escapeHtml(options.live.url)}" data-live-interval-ms="${options.live.intervalMs}"`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cdstream: DORA metrics and incidents</title>
<style>${STYLE}</style>
</head>
<body${live}>
<header>
<h1>cdstream: DORA metrics and incidents</h1>
<p class="meta">${escapeHtml(options.source)}; as of <span id="as-of">${escapeHtml(model.asOf)}</span>${options.live ? ' (live)' : ''}</p>
<p class="legend">Points coloured by DORA band:<span class="swatch" style="background:#1a9850"></span>elite<span class="swatch" style="background:#91cf60"></span>high<span class="swatch" style="background:#fc8d59"></span>medium<span class="swatch" style="background:#d73027"></span>low<span class="swatch" style="background:#9e9e9e"></span>no band. Circles are final windows, triangles early updates of a window still open; a gap is a window without data. Each point is at its window's end.</p>
</header>
<main id="report"></main>
<script type="application/json" id="${DATA_ELEMENT_ID}">${inlineJson(model)}</script>
<script>${inlineScript(assets.chartJs)}</script>
<script>${inlineScript(assets.pageScript)}</script>
</body>
</html>
`;
}
