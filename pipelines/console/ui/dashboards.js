// The analysts' dashboards: one chart per route of pipelines/console/routes/dashboards.ts, each
// the rows of one SQL file in dashboards/sql/ (aggregates over masked, tokenised data only).
// Chart.js comes from this console (GET /api/dashboards/chart.umd.min.js, node_modules/chart.js),
// never a CDN, and is loaded only here, for the roles that may read dashboards.
import { get, PATHS } from './api.js';
import { clear, h, notice, t } from './dom.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const charts = new Map();
export const CHART_JS = '/api/dashboards/chart.umd.min.js';

let chartJs;
/** Loads the UMD bundle once (it defines globalThis.Chart). */
function loadChartJs() {
  chartJs ??= new Promise((resolve, reject) => {
    if (globalThis.Chart) return resolve(globalThis.Chart);
    const script = document.createElement('script');
    script.src = CHART_JS;
    script.onload = () => (globalThis.Chart ? resolve(globalThis.Chart) : reject(new Error('chart.js did not load')));
    script.onerror = () => {
      chartJs = undefined;
      reject(new Error(`could not load ${CHART_JS}`));
    };
    document.head.append(script);
  });
  return chartJs;
}

/** Rows → Chart.js data: x labels from `x`, one dataset per distinct `stack` (or one), values from `y`. */
function stacked(rows, x, stack, y) {
  const labels = [...new Set(rows.map((r) => String(r[x])))];
  const keys = stack ? [...new Set(rows.map((r) => String(r[stack])))] : [y];
  const datasets = keys.map((key, i) => ({
    label: key,
    backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: PALETTE[i % PALETTE.length],
    data: labels.map((label) =>
      rows.filter((r) => String(r[x]) === label && (!stack || String(r[stack]) === key)).reduce((sum, r) => sum + (Number(r[y]) || 0), 0),
    ),
  }));
  return { labels, datasets };
}

/** How each dashboard is drawn. */
const CHARTS = {
  'pass-rate': (rows) => ({ type: 'line', data: stacked(rows, 'day', 'source_name', 'pass_rate'), percent: true }),
  'findings-by-rule': (rows) => ({ type: 'bar', data: stacked(rows, 'rule_id', 'severity', 'customers'), stackedBars: true }),
  'findings-by-province': (rows) => ({ type: 'bar', data: stacked(rows, 'province_name', 'rule_id', 'customers'), stackedBars: true }),
  'findings-by-source': (rows) => ({ type: 'bar', data: stacked(rows, 'source', 'rule_id', 'customers'), stackedBars: true }),
  'findings-by-channel': (rows) => ({ type: 'bar', data: stacked(rows, 'channel_name', 'rule_id', 'customers'), stackedBars: true }),
  'backlog-age': (rows) => ({ type: 'bar', data: stacked(rows, 'queue', 'age_bucket', 'open_issues'), stackedBars: true }),
  'sla-attainment': (rows) => ({ type: 'bar', data: stacked(rows.filter((r) => r.attainment !== null), 'queue_name', null, 'attainment'), percent: true }),
  'due-soon': (rows) => ({ type: 'bar', data: stacked(rows, 'due_date', 'queue', 'issues'), stackedBars: true }),
  'pattern-groups': (rows) => ({ type: 'bar', data: stacked(rows, 'group_size', 'rule_id', 'groups'), stackedBars: false }),
};

const range = { from: "", to: "" };

function draw(canvas, id, rows) {
  charts.get(id)?.destroy();
  const spec = (CHARTS[id] ?? ((r) => ({ type: 'bar', data: { labels: [], datasets: [] }, rows: r })))(rows);
  const Chart = globalThis.Chart;
  if (!Chart) throw new Error(`chart library not loaded (${CHART_JS})`);
  const chart = new Chart(canvas, {
    type: spec.type,
    data: spec.data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        x: { stacked: Boolean(spec.stackedBars) },
        y: { stacked: Boolean(spec.stackedBars), beginAtZero: true, ...(spec.percent ? { max: 1, ticks: { callback: (v) => `${Math.round(v * 100)}%` } } : {}) },
      },
    },
  });
  charts.set(id, chart);
}

async function panel(dashboard) {
  const canvas = h('canvas', { 'data-testid': `chart-${dashboard.id}`, 'aria-label': dashboard.title });
  const foot = h('p', { class: 'muted small' });
  const card = h(
    'section',
    { class: 'card chart', 'data-testid': `dashboard-${dashboard.id}` },
    h('h2', {}, t(dashboard.title, dashboard.titleZh)),
    h('p', { class: 'muted small' }, dashboard.answers),
    h('div', { class: 'chart-box' }, canvas),
    foot,
  );
  try {
    const params = dashboard.kind === 'window' ? { from: range.from, to: range.to } : {};
    const result = await get(PATHS.dashboard(dashboard.id), params);
    foot.append(`${result.rows.length} rows · ${dashboard.sqlFile}`, result.from ? ` · ${result.from.slice(0, 10)} … ${result.to.slice(0, 10)}` : '', result.dueBy ? ` · due by ${result.dueBy}${result.provisional ? ' (provisional calendar)' : ''}` : '');
    card.dataset.rows = String(result.rows.length);
    if (result.rows.length === 0) canvas.replaceWith(h('p', { class: 'muted', 'data-testid': `chart-empty-${dashboard.id}` }, 'No data in this window. 此时段无数据。'));
    else draw(canvas, dashboard.id, result.rows);
  } catch (error) {
    card.append(notice('error', error.message));
  }
  return card;
}

export async function renderDashboards(main) {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  const grid = h('div', { class: 'charts', 'data-testid': 'dashboards' });
  const from = h('input', { type: 'date', name: 'from', value: range.from, 'data-testid': 'dashboards-from' });
  const to = h('input', { type: 'date', name: 'to', value: range.to, 'data-testid': 'dashboards-to' });
  const form = h('form', { class: 'filters' }, h('label', {}, t('From', '起'), from), h('label', {}, t('To', '止'), to), h('button', { type: 'submit', 'data-testid': 'dashboards-apply' }, t('Apply', '应用')), h('span', { class: 'muted small' }, 'Default: the last 30 days (Shanghai days). 默认最近30天。'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    range.from = from.value;
    range.to = to.value;
    void load();
  });
  async function load() {
    grid.dataset.loaded = 'false';
    clear(grid);
    await loadChartJs();
    const { dashboards } = await get(PATHS.dashboards);
    const panels = await Promise.all(dashboards.map(panel));
    grid.append(...panels);
    grid.dataset.loaded = 'true';
  }
  main.append(h('h1', {}, t('Data-quality dashboards', '数据质量分析看板')), form, grid);
  await load();
}
