// The supervisor's pages: bulk assignment of queue issues to a steward, and the breach board
// (breached issues still active: visible and countable until someone closes them).
import { get, PATHS, post } from '../api.js';
import { clear, h, notice, t } from '../dom.js';
import { filterForm, issueTable, listParams } from './queue.js';

const filters = { queue: '', ruleId: '', channel: '', source: '', agentToken: '', dueDate: '', status: 'open', assignee: '' };

export async function renderBulkAssign(main) {
  const selected = new Set();
  const results = h('div');
  const status = h('div');
  const assignee = h('input', { name: 'assignee', required: true, placeholder: 'steward username 处理人', 'data-testid': 'assign-to' });
  const assignForm = h('form', { class: 'inline', 'data-testid': 'assign-form' }, h('label', {}, t('Assign selected to', '分派给'), assignee), h('button', { type: 'submit', 'data-testid': 'assign-submit' }, t('Assign', '分派')));
  assignForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(status);
    if (selected.size === 0) return status.append(notice('error', 'Select issues first. 请先选择问题。'));
    try {
      const { assigned, refused } = await post(PATHS.assign, { issueIds: [...selected], assignee: assignee.value.trim() });
      status.append(notice('ok', `Assigned ${assigned.length} issue(s) to ${assignee.value.trim()}. 已分派。`, 'assign-ok'));
      for (const r of refused) status.append(notice('error', `${r.issueId}: ${r.message}`, 'assign-refused'));
      selected.clear();
      await draw();
    } catch (error) {
      status.append(notice('error', error.field ? `${error.field}: ${error.message}` : error.message, 'assign-error'));
    }
  });
  let form = filterForm(filters, () => void draw());
  async function draw() {
    clear(results);
    const { issues, total } = await get(PATHS.issues, listParams(filters));
    results.append(h('p', { class: 'summary' }, `${total} issues 个问题`), issues.length ? issueTable(issues, { selectable: true, selected }) : h('p', { class: 'muted' }, 'No issue matches. 无匹配问题。'));
    const next = filterForm(filters, () => void draw());
    form.replaceWith(next);
    form = next;
  }
  main.append(h('h1', {}, t('Bulk assign', '批量分派')), form, assignForm, status, results);
  await draw();
}

export async function renderBreaches(main) {
  const { issues } = await get(PATHS.breaches);
  const byQueue = new Map();
  for (const issue of issues) byQueue.set(issue.queue, (byQueue.get(issue.queue) ?? 0) + 1);
  main.append(
    h('h1', {}, t('Breach board', '超时看板')),
    h(
      'div',
      { class: 'tiles', 'data-testid': 'breach-counts' },
      h('div', { class: 'tile breached' }, h('strong', { 'data-testid': 'breach-total' }, String(issues.length)), t('breached, still active', '已超时未结')),
      [...byQueue].map(([queue, n]) => h('div', { class: 'tile' }, h('strong', {}, String(n)), queue)),
    ),
    issues.length ? issueTable(issues) : h('p', { class: 'muted', 'data-testid': 'breach-empty' }, 'No breached issue. 无超时问题。'),
  );
}
