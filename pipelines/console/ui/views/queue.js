// The queue: active issues, soonest due first, with time-left badges and the filters of issue 8
// §3 (queue, rule, channel, source, agent, due date, state, assignee). Filters persist while the
// page is open, so going back from an issue shows the same queue.
import { can, currentSession, get, PATHS } from '../api.js';
import { clear, formatInstant, h, notice, t, timeLeft } from '../dom.js';

const QUEUES = ['contact-verification', 'identity-verification', 'account-verification', 'record-completeness', 'callback-verification', 'data-correction', 'agent-review'];
const STATES = ['open', 'claimed', 'in-verification', 'resolved', 'withdrawn'];
const STATE_ZH = { open: '待处理', claimed: '已认领', 'in-verification': '核实中', resolved: '已解决', withdrawn: '已撤销' };

const filters = { queue: '', ruleId: '', channel: '', source: '', agentToken: '', dueDate: '', status: '', assignee: '' };

/** The list query: a due date means "due by the end of that day in Shanghai". */
export function listParams(values, extra = {}) {
  const { dueDate, ...rest } = values;
  return { ...rest, ...(dueDate ? { dueBefore: `${dueDate}T23:59:59.999+08:00` } : {}), limit: 200, ...extra };
}

export function badge(issue) {
  const active = ['open', 'claimed', 'in-verification'].includes(issue.status);
  if (!active) return h('span', { class: 'badge closed', 'data-testid': 'badge-closed' }, `${issue.status} ${STATE_ZH[issue.status] ?? ''}`);
  if (issue.pausedSince) return h('span', { class: 'badge paused', 'data-testid': 'badge-paused' }, 'paused 已暂停');
  const left = timeLeft(issue.dueAt);
  return h('span', { class: `badge ${left.state}`, 'data-testid': `badge-${left.state}` }, left.text);
}

export function stateLabel(status) {
  return h('span', { class: `state s-${status}` }, status, h('span', { class: 'zh' }, ` ${STATE_ZH[status] ?? ''}`));
}

/** Issues table; `selectable` adds a checkbox per row (bulk assignment). */
export function issueTable(issues, { selectable = false, selected = new Set() } = {}) {
  const sorted = [...issues].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.issueId.localeCompare(b.issueId));
  return h(
    'table',
    { class: 'issues', 'data-testid': 'queue-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        selectable ? h('th', {}, '') : null,
        h('th', {}, t('Time left', '剩余时间')),
        h('th', {}, t('Due', '截止')),
        h('th', {}, t('Priority', '优先级')),
        h('th', {}, t('Queue', '队列')),
        h('th', {}, t('Rule', '规则')),
        h('th', {}, t('State', '状态')),
        h('th', {}, t('Assignee', '处理人')),
        h('th', {}, t('Customer', '客户')),
        h('th', {}, t('Source / channel', '来源/渠道')),
      ),
    ),
    h(
      'tbody',
      {},
      sorted.map((issue) =>
        h(
          'tr',
          { 'data-testid': 'queue-row', 'data-issue-id': issue.issueId, 'data-status': issue.status, class: issue.escalated ? 'escalated' : '' },
          selectable
            ? h('td', {}, h('input', { type: 'checkbox', 'data-testid': 'select-issue', checked: selected.has(issue.issueId), onchange: (e) => (e.target.checked ? selected.add(issue.issueId) : selected.delete(issue.issueId)) }))
            : null,
          h('td', {}, badge(issue), issue.escalated ? h('span', { class: 'badge escalated-tag' }, 'escalated 已升级') : null),
          h('td', {}, issue.dueDate),
          h('td', {}, `${issue.priority}${issue.tier === 'core' ? ' · core 核心' : ''}`),
          h('td', {}, issue.queue),
          h('td', {}, issue.ruleId),
          h('td', {}, stateLabel(issue.status)),
          h('td', { 'data-testid': 'row-assignee' }, issue.assignee || '—'),
          h('td', { class: 'mono' }, h('a', { href: `#/issue/${encodeURIComponent(issue.issueId)}`, 'data-testid': 'open-issue' }, issue.customerToken.slice(0, 14))),
          h('td', {}, `${issue.source || '—'} / ${issue.channel || '—'}`),
        ),
      ),
    ),
  );
}

function select(name, options, value, labels = {}) {
  return h(
    'select',
    { name, 'data-testid': `filter-${name}` },
    h('option', { value: '' }, '(any 全部)'),
    options.map((o) => h('option', { value: o, selected: o === value ? 'selected' : null }, labels[o] ? `${o} ${labels[o]}` : o)),
  );
}

export function filterForm(values, onApply, { extraFields = [] } = {}) {
  const text = (name, placeholder) => h('input', { name, value: values[name], placeholder, 'data-testid': `filter-${name}` });
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'queue-filters' },
    h('label', {}, t('Queue', '队列'), h('input', { name: 'queue', value: values.queue, list: 'known-queues', placeholder: 'contact-verification', 'data-testid': 'filter-queue' }), h('datalist', { id: 'known-queues' }, QUEUES.map((q) => h('option', { value: q })))),
    h('label', {}, t('Rule', '规则'), text('ruleId', 'mobile-format')),
    h('label', {}, t('Channel', '渠道'), text('channel', 'bancassurance')),
    h('label', {}, t('Source', '来源'), text('source', 'core-banking')),
    h('label', {}, t('Agent', '代理人'), text('agentToken', 'token')),
    h('label', {}, t('Due by', '截止日期'), h('input', { name: 'dueDate', type: 'date', value: values.dueDate, 'data-testid': 'filter-dueDate' })),
    h('label', {}, t('State', '状态'), select('status', STATES, values.status, STATE_ZH)),
    h('label', {}, t('Assignee', '处理人'), text('assignee', 'username')),
    extraFields,
    h('button', { type: 'submit', 'data-testid': 'filter-apply' }, t('Filter', '筛选')),
    h('button', { type: 'button', class: 'secondary', 'data-testid': 'filter-mine', onclick: () => { values.assignee = currentSession()?.username ?? ''; onApply(); } }, t('Mine', '我的')),
    h('button', { type: 'button', class: 'secondary', 'data-testid': 'filter-clear', onclick: () => { for (const k of Object.keys(values)) values[k] = ''; onApply(); } }, t('Clear', '清除')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    for (const key of Object.keys(values)) if (data.has(key)) values[key] = String(data.get(key)).trim();
    onApply();
  });
  return form;
}

export async function renderQueue(main) {
  const results = h('div', { 'data-testid': 'queue-results' });
  const draw = async () => {
    clear(results);
    try {
      const { issues, total } = await get(PATHS.issues, listParams(filters));
      const active = issues.filter((i) => ['open', 'claimed', 'in-verification'].includes(i.status));
      const breached = active.filter((i) => timeLeft(i.dueAt).state === 'breached').length;
      const soon = active.filter((i) => timeLeft(i.dueAt).state === 'due-soon').length;
      results.append(
        h('p', { class: 'summary', 'data-testid': 'queue-summary' }, `${total} issues 个问题 · ${breached} breached 已超时 · ${soon} due soon 即将到期`),
        issues.length ? issueTable(issues) : h('p', { class: 'muted', 'data-testid': 'queue-empty' }, 'No issue matches. 无匹配问题。'),
      );
    } catch (error) {
      results.append(notice('error', error.message));
    }
    form.replaceWith((form = filterForm(filters, draw)));
  };
  let form = filterForm(filters, draw);
  main.append(h('h1', {}, t('Queue', '工作队列'), can('issues:assign') ? h('a', { href: '#/assign', class: 'small' }, ' → bulk assign 批量分派') : null), form, results);
  await draw();
}
