// One issue: the masked record, the finding's evidence (for a pattern, the other members of the
// group, masked), the history, and what the signed-in person may do with it. Every action sends
// the version it was based on; a 409 means someone else changed the issue first, and the page
// reloads it rather than guessing. A reveal's raw values live only in this page's DOM: never in
// storage, never in the URL, gone on "Hide" or on leaving the page.
import { ApiError, can, currentSession, get, PATHS, post } from '../api.js';
import { clear, formatInstant, h, notice, t } from '../dom.js';
import { badge, stateLabel } from './queue.js';

const ACTIVE = ['open', 'claimed', 'in-verification'];
const OUTCOMES = [
  ['corrected', '已更正'],
  ['confirmed-correct', '确认无误'],
  ['legitimate', '合理情况'],
  ['false-positive', '误报'],
];
const CALLBACK_RESULTS = [
  ['reached', '已接通'],
  ['unreachable', '无法接通'],
  ['wrong-number', '号码错误'],
  ['refused', '拒绝'],
];
const CHANNELS = [
  ['phone', '电话'],
  ['sms', '短信'],
  ['email', '邮件'],
  ['visit', '上门'],
];
const CONTACT_FIELDS = [
  ['name', '姓名'],
  ['mobile', '手机'],
  ['landline', '座机'],
  ['address', '地址'],
];
// What a correction may carry (pipelines/stewardship/actions.ts CORRECTABLE_FIELDS).
const CORRECTABLE = CONTACT_FIELDS;

/** datetime-local (read as Shanghai time) → ISO instant with offset. */
function shanghaiInstant(local) {
  return local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : undefined;
}

function options(pairs) {
  return pairs.map(([value, zh]) => h('option', { value }, `${value} ${zh}`));
}

function keyValues(object, testid) {
  if (!object || typeof object !== 'object') return h('p', { class: 'muted', 'data-testid': testid }, object == null ? '—' : String(object));
  return h(
    'dl',
    { class: 'kv', 'data-testid': testid },
    Object.entries(object).map(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))]),
  );
}

/**
 * The finding's evidence (api-schemas.ts FindingEvidence: tokens and masks only): the reasons, for
 * a pattern the other holders of the shared value, an agent's reused contact, mobile changes.
 */
function evidenceView(evidence) {
  if (evidence == null) return h('p', { class: 'muted', 'data-testid': 'evidence' }, 'No active finding evidence. 无有效证据。');
  const holders = Array.isArray(evidence.holders) ? evidence.holders : [];
  const matches = evidence.agent?.matches ?? [];
  return h(
    'div',
    { 'data-testid': 'evidence' },
    evidence.reasons?.length ? h('ul', { 'data-testid': 'evidence-reasons' }, evidence.reasons.map((r) => h('li', {}, r))) : null,
    holders.length
      ? h(
          'table',
          { class: 'members', 'data-testid': 'evidence-members' },
          h('caption', {}, t('Customers sharing the value (masked)', '共用该值的客户（已脱敏）')),
          h('thead', {}, h('tr', {}, ['Customer 客户', 'Masked 脱敏值', 'Since 起', 'Source 来源', 'Channel 渠道', 'Agent 代理人'].map((c) => h('th', {}, c)))),
          h('tbody', {}, holders.map((m) => h('tr', { 'data-testid': 'evidence-member' }, [m.customerToken, m.masked, formatInstant(m.since), m.source, m.channel, m.agentToken].map((v) => h('td', { class: 'mono' }, v || '—'))))),
        )
      : null,
    matches.length
      ? h('p', { 'data-testid': 'evidence-agent' }, `Agent ${evidence.agent.agentToken}: `, matches.map((m) => `${m.field} (${m.who}) ${m.masked}`).join('; '))
      : null,
    evidence.changes?.length ? h('p', { 'data-testid': 'evidence-changes' }, `Mobile changes 手机变更: ${evidence.changes.map(formatInstant).join(', ')}`) : null,
  );
}

/** What an entry's action carried besides its type and note: channel/result, outcome, corrected fields (sealed). */
function actionSummary(action) {
  if (!action || typeof action !== 'object') return '';
  return Object.entries(action)
    .filter(([k]) => k !== 'type' && k !== 'note')
    .map(([k, v]) => (v && typeof v === 'object' ? `${k}: ${Object.keys(v).join(', ')}` : `${k}: ${v}`))
    .join(', ');
}

function historyView(history) {
  return h(
    'table',
    { class: 'history', 'data-testid': 'history' },
    h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, t('When', '时间')), h('th', {}, t('Who', '操作人')), h('th', {}, t('Action', '操作')), h('th', {}, t('From → to', '状态变化')), h('th', {}, t('Note', '备注')))),
    h(
      'tbody',
      {},
      history.map((e) =>
        h(
          'tr',
          { 'data-testid': 'history-row', 'data-action': e.action },
          h('td', {}, e.seq),
          h('td', {}, formatInstant(e.at)),
          h('td', {}, `${e.actor} (${e.actorRole})`),
          h('td', {}, e.action),
          h('td', {}, e.fromStatus === e.toStatus ? e.toStatus : `${e.fromStatus || '∅'} → ${e.toStatus}`),
          h('td', {}, [e.note, actionSummary(e.evidence?.action)].filter(Boolean).join(' · ')),
        ),
      ),
    ),
  );
}

export async function renderIssue(main, issueId) {
  const status = h('div', { class: 'status-line' });
  const body = h('div');
  main.append(h('p', {}, h('a', { href: '#/queue', 'data-testid': 'back-to-queue' }, '← Queue 工作队列')), status, body);

  async function load(message) {
    clear(body);
    clear(status);
    if (message) status.append(message);
    let detail;
    try {
      detail = await get(PATHS.issue(issueId));
    } catch (error) {
      status.append(notice('error', error.message, 'issue-error'));
      return;
    }
    draw(detail);
  }

  /** Asks for the note an action requires; nothing is sent without one. */
  function withNote(question, then) {
    const note = (prompt(question) ?? '').trim();
    if (note) void then(note);
  }

  /** Sends one action based on the version shown; reloads either way. */
  async function act(issue, action, okText) {
    try {
      await post(PATHS.actions(issue.issueId), { expectedVersion: issue.version, action });
      await load(notice('ok', okText, 'action-ok'));
    } catch (error) {
      const text = error instanceof ApiError && error.status === 409 ? `Someone changed this issue first; here is its current state. 该问题已被他人更新，已重新加载。 (${error.message})` : error.field ? `${error.field}: ${error.message}` : error.message;
      if (error instanceof ApiError && error.status === 409) await load(notice('error', text, 'action-error'));
      else {
        clear(status);
        status.append(notice('error', text, 'action-error'));
      }
    }
  }

  function draw({ issue, history, masked, evidence, revealApproved }) {
    const me = currentSession()?.username ?? '';
    const active = ACTIVE.includes(issue.status);
    const holder = issue.assignee !== '' && issue.assignee === me;
    const supervisor = can('issues:assign');
    const mayWork = active && can('issues:act') && (holder || supervisor);

    const header = h(
      'section',
      { class: 'card issue-head', 'data-testid': 'issue-detail', 'data-issue-id': issue.issueId, 'data-status': issue.status, 'data-version': String(issue.version) },
      h('h1', {}, `${issue.ruleId} · ${issue.queue}`, ' ', badge(issue)),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, t('State', '状态')), h('dd', { 'data-testid': 'issue-status' }, stateLabel(issue.status)),
        h('dt', {}, t('Assignee', '处理人')), h('dd', { 'data-testid': 'issue-assignee' }, issue.assignee || '—'),
        h('dt', {}, t('Due', '截止')), h('dd', {}, `${formatInstant(issue.dueAt)}${issue.deadlineProvisional ? ' (provisional 临时)' : ''}`),
        h('dt', {}, t('Priority / tier', '优先级/等级')), h('dd', {}, `${issue.priority} · ${issue.severity} · ${issue.tier}`),
        h('dt', {}, t('Customer', '客户')), h('dd', { class: 'mono' }, issue.customerToken),
        h('dt', {}, t('Callbacks', '回访次数')), h('dd', { 'data-testid': 'issue-callbacks' }, `${issue.callbackAttempts}${issue.nextAttemptAt ? ` · next 下次 ${formatInstant(issue.nextAttemptAt)}` : ''}`),
        issue.pausedSince ? [h('dt', {}, t('Paused', '已暂停')), h('dd', {}, `${formatInstant(issue.pausedSince)}: ${issue.pauseReason}`)] : null,
        issue.outcome ? [h('dt', {}, t('Outcome', '结果')), h('dd', { 'data-testid': 'issue-outcome' }, issue.outcome)] : null,
        h('dt', {}, t('Version', '版本')), h('dd', {}, String(issue.version)),
      ),
    );

    // Field names without the "Masked" suffix: every value on this card is masked.
    const shown = masked ? Object.fromEntries(Object.entries(masked).map(([k, v]) => [k.replace(/Masked$/, ''), v || '—'])) : null;
    const record = h('section', { class: 'card' }, h('h2', {}, t('Record (masked)', '客户记录（已脱敏）')), keyValues(shown, 'masked-record'));
    const evidenceCard = h('section', { class: 'card' }, h('h2', {}, t('Evidence', '证据')), evidenceView(evidence));
    const actions = h('section', { class: 'card actions', 'data-testid': 'actions' }, h('h2', {}, t('Actions', '操作')));

    if (active && issue.status === 'open' && !issue.assignee && can('issues:act')) {
      actions.append(h('button', { 'data-testid': 'action-claim', onclick: () => act(issue, { type: 'claim' }, 'Claimed. 已认领。') }, t('Claim', '认领')));
    }
    if (mayWork) {
      const row = h('div', { class: 'buttons' });
      if (issue.status === 'claimed') row.append(h('button', { class: 'secondary', 'data-testid': 'action-start-verification', onclick: () => act(issue, { type: 'start-verification' }, 'Verification started. 开始核实。') }, t('Start verification', '开始核实')));
      if (holder) row.append(h('button', { class: 'secondary', 'data-testid': 'action-release', onclick: () => act(issue, { type: 'release' }, 'Released to the queue. 已释放。') }, t('Release', '释放')));
      if (!issue.escalated) row.append(h('button', { class: 'secondary', 'data-testid': 'action-escalate', onclick: () => withNote('Why escalate? 升级原因', (note) => act(issue, { type: 'escalate', note }, 'Escalated. 已升级。')) }, t('Escalate', '升级')));
      if (issue.pausedSince) row.append(h('button', { class: 'secondary', 'data-testid': 'action-resume', onclick: () => act(issue, { type: 'resume' }, 'Clock resumed. 计时恢复。') }, t('Resume clock', '恢复计时')));
      actions.append(row);
      actions.append(callbackForm(issue), issue.pausedSince ? null : pauseForm(issue), resolveForm(issue));
    }
    if (active && supervisor) {
      const row = h('div', { class: 'buttons' });
      if (issue.escalated && can('issues:return')) row.append(h('button', { class: 'secondary', 'data-testid': 'action-return', onclick: () => withNote('Why return it? 退回原因', (note) => act(issue, { type: 'return', note }, 'Returned to the queue. 已退回队列。')) }, t('Return to queue', '退回队列')));
      if (issue.tier === 'core' && !revealApproved && can('reveals:approve')) row.append(h('button', { 'data-testid': 'action-approve-reveal', onclick: () => approveReveal(issue) }, t('Approve reveal', '批准查看')));
      actions.append(row);
    }
    if (!actions.querySelector('button')) actions.append(h('p', { class: 'muted' }, active ? 'Claim the issue to work on it. 请先认领。' : 'Closed. 已关闭。'));

    const reveal = active && can('issues:reveal') && holder ? revealCard(issue, revealApproved) : null;
    body.append(header, h('div', { class: 'grid2' }, record, evidenceCard), actions, reveal, h('section', { class: 'card' }, h('h2', {}, t('History', '处理记录')), historyView(history)));
  }

  function callbackForm(issue) {
    const form = h(
      'form',
      { class: 'inline', 'data-testid': 'callback-form' },
      h('h3', {}, t('Record a callback', '记录回访')),
      h('label', {}, t('Channel', '方式'), h('select', { name: 'channel', 'data-testid': 'callback-channel' }, options(CHANNELS))),
      h('label', {}, t('Result', '结果'), h('select', { name: 'result', 'data-testid': 'callback-result' }, options(CALLBACK_RESULTS))),
      h('label', {}, t('Next attempt', '下次回访'), h('input', { name: 'next', type: 'datetime-local', 'data-testid': 'callback-next' })),
      h('label', { class: 'wide' }, t('Note', '备注'), h('input', { name: 'note', maxlength: '2000', 'data-testid': 'callback-note' })),
      h('button', { type: 'submit', 'data-testid': 'callback-submit' }, t('Record', '记录')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const d = new FormData(form);
      const action = { type: 'record-callback', channel: d.get('channel'), result: d.get('result'), note: String(d.get('note') ?? '').trim() };
      const next = shanghaiInstant(String(d.get('next') || ''));
      if (next) action.nextAttemptAt = next;
      void act(issue, action, `Callback recorded: ${action.result}. 回访已记录。`);
    });
    return form;
  }

  function pauseForm(issue) {
    const form = h(
      'form',
      { class: 'inline', 'data-testid': 'pause-form' },
      h('h3', {}, t('Pause the clock', '暂停计时')),
      h('label', { class: 'wide' }, t('Reason (required)', '原因（必填）'), h('input', { name: 'reason', required: true, maxlength: '500', placeholder: 'waiting for the customer’s documents 等待客户提供材料', 'data-testid': 'pause-reason' })),
      h('button', { type: 'submit', class: 'secondary', 'data-testid': 'pause-submit' }, t('Pause', '暂停')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void act(issue, { type: 'pause', reason: String(new FormData(form).get('reason')).trim() }, 'Clock paused. 已暂停计时。');
    });
    return form;
  }

  function resolveForm(issue) {
    const corrected = CORRECTABLE.map(([field, zh]) => h('label', {}, `${field} ${zh}`, h('input', { name: `corrected.${field}`, 'data-testid': `corrected-${field}`, autocomplete: 'off' })));
    const form = h(
      'form',
      { class: 'inline', 'data-testid': 'resolve-form' },
      h('h3', {}, t('Resolve', '结案')),
      h('label', {}, t('Outcome', '结果'), h('select', { name: 'outcome', 'data-testid': 'resolve-outcome' }, options(OUTCOMES))),
      h('label', { class: 'wide' }, t('Note', '备注'), h('input', { name: 'note', maxlength: '2000', 'data-testid': 'resolve-note' })),
      h('label', { class: 'wide' }, t('Reason (for "legitimate")', '合理原因'), h('input', { name: 'reason', maxlength: '2000', placeholder: 'family members sharing a phone 家人共用号码', 'data-testid': 'resolve-reason' })),
      h('fieldset', { class: 'corrected' }, h('legend', {}, t('Corrected values (for "corrected")', '更正后的值')), corrected),
      h('button', { type: 'submit', 'data-testid': 'resolve-submit' }, t('Resolve', '结案')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const d = new FormData(form);
      const action = { type: 'resolve', outcome: String(d.get('outcome')), note: String(d.get('note') ?? '').trim() };
      if (action.outcome === 'legitimate') action.reason = String(d.get('reason') ?? '').trim();
      if (action.outcome === 'corrected') {
        const values = {};
        for (const [field] of CORRECTABLE) {
          const v = String(d.get(`corrected.${field}`) ?? '').trim();
          if (v) values[field] = v;
        }
        action.corrected = values;
      }
      // The corrected values leave the page with the request and are not kept in it.
      for (const input of form.querySelectorAll('fieldset input')) input.value = '';
      void act(issue, action, `Resolved: ${action.outcome}. 已结案。`);
    });
    return form;
  }

  function revealCard(issue, approved) {
    const out = h('div', { 'data-testid': 'reveal-output' });
    const needsApproval = issue.tier === 'core' && !approved;
    const form = h(
      'form',
      { class: 'inline', 'data-testid': 'reveal-form' },
      h('label', { class: 'wide' }, t('Purpose (logged)', '查看目的（将记录）'), h('input', { name: 'purpose', required: true, minlength: '5', maxlength: '500', 'data-testid': 'reveal-purpose' })),
      h('div', { class: 'checks' }, CONTACT_FIELDS.map(([f, zh]) => h('label', {}, h('input', { type: 'checkbox', name: 'fields', value: f, checked: true, 'data-testid': `reveal-field-${f}` }), ` ${f} ${zh}`))),
      h('button', { type: 'submit', 'data-testid': 'reveal-submit', disabled: needsApproval }, t('Reveal contact', '查看联系方式')),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(out);
      const d = new FormData(form);
      try {
        const result = await post(PATHS.reveal(issue.issueId), { purpose: String(d.get('purpose')).trim(), fields: d.getAll('fields').map(String) });
        out.append(
          h('dl', { class: 'kv revealed', 'data-testid': 'reveal-values' }, Object.entries(result.values).map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-testid': `revealed-${k}` }, v)])),
          h('p', { class: 'muted small' }, `Logged at ${formatInstant(result.loggedAt)} · 已记录访问日志`),
          h('button', { type: 'button', class: 'secondary', 'data-testid': 'reveal-hide', onclick: () => clear(out) }, t('Hide', '隐藏')),
        );
      } catch (error) {
        out.append(notice('error', error.field ? `${error.field}: ${error.message}` : error.message, 'reveal-error'));
      }
    });
    return h(
      'section',
      { class: 'card reveal', 'data-testid': 'reveal-card' },
      h('h2', {}, t('Reveal contact data to call', '查看联系方式以回访')),
      needsApproval ? notice('warn', 'Core-tier customer (绝密): a supervisor must approve the reveal first. 核心客户，需主管批准。', 'reveal-needs-approval') : null,
      form,
      out,
    );
  }

  async function approveReveal(issue) {
    try {
      await post(PATHS.approveReveal(issue.issueId), { note: '' });
      await load(notice('ok', 'Reveal approved. 已批准。', 'action-ok'));
    } catch (error) {
      clear(status);
      status.append(notice('error', error.message, 'action-error'));
    }
  }

  await load();
}
