/* global Chart, document, window, fetch, setTimeout */
// The report page's script: draws the model (the JSON in #cdstream-report-data,
// built by src/report/report-model.ts) with Chart.js. On the dashboard
// (body[data-live-url]) it polls the data endpoint and redraws on a new revision.
'use strict';
(function () {
  const BAND_COLOURS = { elite: '#1a9850', high: '#91cf60', medium: '#fc8d59', low: '#d73027' };
  const NO_BAND = '#9e9e9e';
  const LINE_COLOURS = ['#3f51b5', '#00897b', '#8e6fbf', '#6d4c41'];
  const DAY_MS = 86_400_000;
  const HALF_DAY_MS = DAY_MS / 2;
  const charts = [];
  let current;

  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const minute = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const number = (value) => (value === null ? 'no data' : String(Number(value.toFixed(2))));
  const hours = (ms) => `${number(ms / 3_600_000)} h`;

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** one time range for every chart of a service, so they line up */
  function timeRange(service) {
    const times = [];
    for (const chart of service.charts) {
      for (const series of chart.series) for (const p of series.points) times.push(p.x);
    }
    for (const incident of service.incidents) times.push(incident.start, incident.end);
    if (times.length === 0) return { min: 0, max: DAY_MS };
    return { min: Math.min(...times) - HALF_DAY_MS, max: Math.max(...times) + HALF_DAY_MS };
  }

  /** ticks at UTC midnights (at most 8) when the range spans days; Chart.js's own otherwise */
  function timeAxis(title, range) {
    const days = range.max - range.min > 2 * DAY_MS;
    return {
      type: 'linear',
      ...range,
      title: { display: true, text: title },
      ticks: { callback: (value) => (days ? day(value) : minute(value)), maxTicksLimit: 8 },
      afterBuildTicks: (axis) => {
        if (!days) return;
        const step = Math.ceil((axis.max - axis.min) / DAY_MS / 8) * DAY_MS;
        const ticks = [];
        for (let t = Math.ceil(axis.min / DAY_MS) * DAY_MS; t <= axis.max; t += step) {
          ticks.push({ value: t });
        }
        axis.ticks = ticks;
      },
    };
  }

  function metricChart(canvas, chart, range) {
    return new Chart(canvas, {
      type: 'line',
      data: {
        datasets: chart.series.map((series, i) => ({
          label: series.window,
          data: series.points.map((p) => ({ x: p.x, y: p.y })),
          borderColor: LINE_COLOURS[i % LINE_COLOURS.length],
          backgroundColor: LINE_COLOURS[i % LINE_COLOURS.length],
          pointBackgroundColor: series.points.map((p) => BAND_COLOURS[p.band] ?? NO_BAND),
          pointBorderColor: LINE_COLOURS[i % LINE_COLOURS.length],
          pointStyle: series.points.map((p) => (p.final ? 'circle' : 'triangle')),
          pointRadius: 5,
          pointHoverRadius: 7,
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: timeAxis('window end (UTC)', range),
          y: { beginAtZero: true, title: { display: true, text: chart.unit } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => {
                const p = chart.series[items[0].datasetIndex].points[items[0].dataIndex];
                return `${chart.series[items[0].datasetIndex].window} ${minute(Date.parse(p.windowStart))} → ${minute(Date.parse(p.windowEnd))}`;
              },
              label: (item) => {
                const p = chart.series[item.datasetIndex].points[item.dataIndex];
                const state = p.final ? 'final' : 'early update';
                return `${number(p.y)} ${chart.unit}, ${p.band ?? 'no band'} (${state}); ${p.detail}`;
              },
            },
          },
        },
      },
    });
  }

  function incidentsChart(canvas, incidents, range) {
    return new Chart(canvas, {
      type: 'bar',
      data: {
        labels: incidents.map((i) =>
          i.description.length > 60 ? `${i.description.slice(0, 59)}…` : i.description,
        ),
        datasets: [
          {
            label: 'incidents',
            data: incidents.map((i) => [i.start, i.end]),
            backgroundColor: incidents.map((i) => (i.open ? '#d73027' : '#fc8d59')),
            borderSkipped: false,
            minBarLength: 4,
            barPercentage: 0.7,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: timeAxis('detected → resolved (UTC)', range) },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => incidents[items[0].dataIndex].description,
              label: (item) => {
                const i = incidents[item.dataIndex];
                return i.open
                  ? `detected ${minute(i.start)}, still open`
                  : `${minute(i.start)} → ${minute(i.end)} (${hours(i.end - i.start)})`;
              },
            },
          },
        },
      },
    });
  }

  function metricFigure(chart, range) {
    const points = chart.series.flatMap((s) => s.points);
    const empty = points.filter((p) => p.y === null).length;
    const figure = element(
      'figure',
      { 'data-metric': chart.metric },
      element('figcaption', {}, chart.title, ' ', element('small', {}, `(${chart.unit})`)),
    );
    if (points.length === 0) {
      figure.append(element('p', { class: 'note' }, 'no events of this metric on the topic'));
      return figure;
    }
    const canvas = element('canvas', { 'data-chart-id': chart.id });
    figure.append(element('div', { class: 'chart' }, canvas));
    if (empty > 0) {
      figure.append(
        element('p', { class: 'note' }, `${empty} of ${points.length} windows without data`),
      );
    }
    charts.push(metricChart(canvas, chart, range));
    return figure;
  }

  function incidentsFigure(service, range) {
    const figure = element(
      'figure',
      { class: 'wide', 'data-metric': 'incidents' },
      element('figcaption', {}, 'Incidents ', element('small', {}, '(derived by cdstream)')),
    );
    if (service.incidents.length === 0) {
      figure.append(element('p', { class: 'note' }, 'no incidents'));
      return figure;
    }
    const canvas = element('canvas', { 'data-chart-id': service.incidentsChartId });
    const height = 60 + 32 * service.incidents.length;
    figure.append(element('div', { class: 'chart', style: `height:${height}px` }, canvas));
    charts.push(incidentsChart(canvas, service.incidents, range));
    return figure;
  }

  function render(model) {
    for (const chart of charts.splice(0)) chart.destroy();
    current = model;
    document.getElementById('as-of').textContent = model.asOf;
    const main = document.getElementById('report');
    main.replaceChildren();
    if (model.services.length === 0) {
      main.append(element('p', { class: 'note' }, 'No metrics or incidents on the topics yet.'));
    }
    for (const service of model.services) {
      const range = timeRange(service);
      const grid = element('div', { class: 'grid' });
      for (const chart of service.charts) grid.append(metricFigure(chart, range));
      grid.append(incidentsFigure(service, range));
      main.append(
        element(
          'section',
          { 'data-service': service.service, 'data-environment': service.environment },
          element('h2', {}, `${service.service} in ${service.environment}`),
          grid,
        ),
      );
    }
    document.body.dataset.revision = String(model.revision);
  }

  render(JSON.parse(document.getElementById('cdstream-report-data').textContent));

  const liveUrl = document.body.dataset.liveUrl;
  if (liveUrl) {
    const interval = Number(document.body.dataset.liveIntervalMs) || 5000;
    const poll = async () => {
      try {
        const response = await fetch(liveUrl, { cache: 'no-store' });
        if (response.ok) {
          const next = await response.json();
          if (next.revision !== current.revision) render(next);
          else document.getElementById('as-of').textContent = next.asOf;
        }
      } catch {
        document.getElementById('as-of').textContent =
          `${current.asOf} (dashboard unreachable; retrying)`;
      }
      setTimeout(poll, interval);
    };
    setTimeout(poll, interval);
  }
  window.cdstreamReport = { model: () => current };
})();
