/**
 * The report page in a real headless Chromium (Debian's package, driven by
 * puppeteer-core): what every chart holds and drew, read back from Chart.js,
 * and a screenshot kept under test-artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // without the background-networking flags Chromium tries to reach
    // Google's hosts at every start, which a closed network refuses
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface RenderedChart {
  readonly id: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly datasets: readonly { label: string; data: unknown[] }[];
  /** per dataset, the elements painted in their own colour (gaps are not elements) */
  readonly drawn: readonly number[];
  /** canvas pixels that are not transparent */
  readonly painted: number;
}

export interface OpenedPage {
  readonly charts: readonly RenderedChart[];
  /** uncaught errors and console errors of the page */
  readonly errors: readonly string[];
  /** every request the page made other than its own document */
  readonly requests: readonly string[];
  readonly text: string;
}

/**
 * Runs in the page: what each canvas's chart holds, and which of its
 * elements (points, bars) were painted: the canvas pixel at the element's
 * centre has the element's own fill colour.
 */
const READ_CHARTS = `[...document.querySelectorAll('canvas[data-chart-id]')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const context = canvas.getContext('2d');
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  const rgb = (colour) => {
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(String(colour));
    return hex ? hex.slice(1).map((h) => parseInt(h, 16)) : undefined;
  };
  const paintedAt = (element) => {
    if (element.skip || !Number.isFinite(element.x) || !Number.isFinite(element.y)) return false;
    const x = chart.config.type === 'bar' ? (element.x + element.base) / 2 : element.x;
    const ratio = chart.currentDevicePixelRatio;
    const pixel = context.getImageData(Math.round(x * ratio), Math.round(element.y * ratio), 1, 1).data;
    const want = rgb(element.options.backgroundColor);
    return want !== undefined && pixel[3] > 200 && want.every((v, i) => Math.abs(v - pixel[i]) < 8);
  };
  return {
    id: canvas.dataset.chartId,
    type: chart ? chart.config.type : 'none',
    labels: chart ? (chart.data.labels ?? []) : [],
    datasets: chart ? chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) : [],
    drawn: chart
      ? chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.filter(paintedAt).length)
      : [],
    painted,
  };
})`;

/** Opens `url`, waits for the page to draw, reads its charts back and saves a full-page screenshot. */
export async function openReport(
  browser: Browser,
  url: string,
  screenshot: string,
): Promise<OpenedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  try {
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-revision]');
    const charts = (await page.evaluate(READ_CHARTS)) as RenderedChart[];
    const text = (await page.evaluate('document.body.innerText')) as string;
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, errors, requests, text };
  } finally {
    await page.close();
  }
}
