// The auditor's access log: who revealed or approved what, for which customer and issue, and
// why; filterable by person, customer token, issue and time, with a CSV export of the same filter.
import { get, PATHS, queryString } from '../api.js';
import { clear, formatInstant, h, notice, t } from '../dom.js';

const filters = { person: '', customerToken: '', issueId: '', from: '', to: '' };

/** datetime-local (Shanghai) → ISO instant with offset. */
const instant = (local) => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : '');

function params() {
  return { person: filters.person, customerToken: filters.customerToken, issueId: filters.issueId, from: instant(filters.from), to: instant(filters.to) };
}

export async function renderAccessLog(main) {
  const results = h('div');
  const csv = h('a', { class: 'button secondary', 'data-testid': 'access-log-csv', download: 'access-log.csv' }, t('Export CSV', '导出 CSV'));
  const field = (name, type = 'text', placeholder = '') => h('input', { name, type, value: filters[name], placeholder, 'data-testid': `log-filter-${name}` });
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'access-log-filters' },
    h('label', {}, t('Person', '人员'), field('person', 'text', 'username')),
    h('label', {}, t('Customer token', '客户令牌'), field('customerToken')),
    h('label', {}, t('Issue', '问题'), field('issueId')),
    h('label', {}, t('From', '起'), field('from', 'datetime-local')),
    h('label', {}, t('To', '止'), field('to', 'datetime-local')),
    h('button', { type: 'submit', 'data-testid': 'log-filter-apply' }, t('Filter', '筛选')),
    csv,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const d = new FormData(form);
    for (const key of Object.keys(filters)) filters[key] = String(d.get(key) ?? '').trim();
    void draw();
  });
  async function draw() {
    clear(results);
    csv.setAttribute('href', PATHS.accessLogCsv + queryString(params()));
    try {
      const { entries, total } = await get(PATHS.accessLog, { ...params(), limit: 500 });
      results.append(
        h('p', { class: 'summary', 'data-testid': 'access-log-total' }, `${total} entries 条记录`),
        h(
          'table',
          { class: 'log', 'data-testid': 'access-log' },
          h('thead', {}, h('tr', {}, ['When 时间', 'Person 人员', 'Role 角色', 'Action 操作', 'Issue 问题', 'Customer 客户', 'Fields 字段', 'Purpose 目的'].map((c) => h('th', {}, c)))),
          h(
            'tbody',
            {},
            entries.map((e) =>
              h(
                'tr',
                { 'data-testid': 'access-log-row', 'data-action': e.action, 'data-issue-id': e.issueId },
                h('td', {}, formatInstant(e.at)),
                h('td', {}, e.username),
                h('td', {}, e.role),
                h('td', {}, e.action),
                h('td', { class: 'mono' }, e.issueId),
                h('td', { class: 'mono' }, e.customerToken),
                h('td', {}, e.fields.join(', ')),
                h('td', {}, e.purpose),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      results.append(notice('error', error.message));
    }
  }
  main.append(h('h1', {}, t('Access log', '访问日志')), form, results);
  await draw();
}
