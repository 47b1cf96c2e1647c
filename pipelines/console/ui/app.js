// The console's single page: a hash router over views, each shown only to the roles whose
// permissions it needs (the server checks again on every request; hiding is only convenience).
import { can, currentSession, loadSession, signIn, signOut } from './api.js';
import { clear, h, notice, t } from './dom.js';
import { renderAccessLog } from './views/audit.js';
import { renderDashboards } from './dashboards.js';
import { renderIssue } from './views/issue.js';
import { renderQueue } from './views/queue.js';
import { renderBreaches, renderBulkAssign } from './views/supervisor.js';
import { renderUsers } from './views/users.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

/** Views by route, with the permission each needs, in menu order. */
const VIEWS = [
  { path: 'queue', label: t('Queue', '工作队列'), permission: 'issues:read', render: renderQueue },
  { path: 'assign', label: t('Assign', '批量分派'), permission: 'issues:assign', render: renderBulkAssign },
  { path: 'breaches', label: t('Breaches', '超时看板'), permission: 'breaches:read', render: renderBreaches },
  { path: 'dashboards', label: t('Dashboards', '分析看板'), permission: 'dashboards:read', render: renderDashboards },
  { path: 'access-log', label: t('Access log', '访问日志'), permission: 'access-log:read', render: renderAccessLog },
  { path: 'users', label: t('Users', '用户管理'), permission: 'users:manage', render: renderUsers },
];

function parseRoute() {
  const [path = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { path, args: rest.map(decodeURIComponent) };
}

function renderNav() {
  clear(nav);
  clear(who);
  const session = currentSession();
  if (!session) return;
  for (const view of VIEWS.filter((v) => can(v.permission))) {
    nav.append(h('a', { href: `#/${view.path}`, 'data-testid': `nav-${view.path}` }, view.label.cloneNode(true)));
  }
  who.append(
    h('span', { 'data-testid': 'who-user' }, `${session.username} · ${session.role}`),
    h('button', { type: 'button', class: 'link', 'data-testid': 'sign-out', onclick: signOutAndReload }, t('Sign out', '退出')),
  );
}

/** Signs out and reloads the page: no filter, issue or revealed value of this session survives in memory. */
async function signOutAndReload() {
  try {
    await signOut();
  } finally {
    location.hash = '#/';
    location.reload();
  }
}

function renderSignIn(message) {
  clear(main);
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, 'data-testid': 'signin-username' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'signin-password' });
  const status = h('div');
  const form = h(
    'form',
    { class: 'card signin', 'data-testid': 'signin-form' },
    h('h1', {}, t('Sign in', '登录')),
    h('label', {}, t('User', '用户名'), username),
    h('label', {}, t('Password', '密码'), password),
    h('button', { type: 'submit', 'data-testid': 'signin-submit' }, t('Sign in', '登录')),
    status,
  );
  if (message) status.append(notice('error', message));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(status);
    try {
      await signIn(username.value.trim(), password.value);
      password.value = '';
      location.hash = `#/${firstView()?.path ?? ''}`;
      await route();
    } catch (error) {
      // 401 and 429 (throttled) alike: the server's message says which, never which part was wrong.
      status.append(notice('error', error.message || 'Sign-in failed', 'signin-error'));
    }
  });
  main.append(form);
  username.focus();
}

function firstView() {
  return VIEWS.find((v) => can(v.permission));
}

async function route() {
  let session = currentSession();
  if (!session) session = await loadSession().catch(() => null);
  renderNav();
  if (!session) return renderSignIn();
  const { path, args } = parseRoute();
  clear(main);
  try {
    if (path === 'issue' && args[0] && can('issues:read')) return await renderIssue(main, args[0]);
    const view = VIEWS.find((v) => v.path === path && can(v.permission)) ?? firstView();
    if (!view) {
      main.append(notice('error', 'This role has no view here. 此角色无可用页面。'));
      return;
    }
    for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.getAttribute('href') === `#/${view.path}`);
    await view.render(main, args);
  } catch (error) {
    if (error?.status === 401) return renderSignIn('Your session ended; sign in again. 会话已过期，请重新登录。');
    main.append(notice('error', error?.message || String(error), 'view-error'));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
