// The admin's users page: create, disable, reset. A new or reset password is shown once, here,
// to be handed over; it is not kept by the page. No customer data is reachable from this role.
import { get, PATHS, post } from '../api.js';
import { clear, formatInstant, h, notice, t } from '../dom.js';

const ROLES = ['steward', 'supervisor', 'analyst', 'auditor', 'admin'];

export async function renderUsers(main) {
  const status = h('div');
  const list = h('div');
  const username = h('input', { name: 'username', required: true, placeholder: 'zhang.wei', 'data-testid': 'user-new-name' });
  const role = h('select', { name: 'role', 'data-testid': 'user-new-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const form = h('form', { class: 'inline', 'data-testid': 'user-add-form' }, h('label', {}, t('Username', '用户名'), username), h('label', {}, t('Role', '角色'), role), h('button', { type: 'submit', 'data-testid': 'user-add' }, t('Add user', '新增用户')));

  const showPassword = (result) => {
    clear(status);
    status.append(h('div', { class: 'notice ok', 'data-testid': 'one-time-password' }, `One-time password for ${result.username} (${result.role}) — shown once 一次性密码: `, h('code', {}, result.oneTimePassword)));
  };
  const fail = (error) => {
    clear(status);
    status.append(notice('error', error.field ? `${error.field}: ${error.message}` : error.message, 'users-error'));
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      showPassword(await post(PATHS.users, { username: username.value.trim(), role: role.value }));
      username.value = '';
      await draw();
    } catch (error) {
      fail(error);
    }
  });

  async function draw() {
    clear(list);
    const { users } = await get(PATHS.users);
    list.append(
      h(
        'table',
        { class: 'users', 'data-testid': 'users' },
        h('thead', {}, h('tr', {}, ['User 用户', 'Role 角色', 'State 状态', 'Created 创建', ''].map((c) => h('th', {}, c)))),
        h(
          'tbody',
          {},
          users.map((u) =>
            h(
              'tr',
              { 'data-testid': 'user-row', 'data-username': u.username },
              h('td', {}, u.username),
              h('td', {}, u.role),
              h('td', {}, u.disabled ? 'disabled 已停用' : 'active 启用'),
              h('td', {}, formatInstant(u.createdAt)),
              h(
                'td',
                {},
                u.disabled ? null : h('button', { class: 'secondary', 'data-testid': 'user-disable', onclick: async () => { try { await post(PATHS.userDisable(u.username)); await draw(); } catch (e) { fail(e); } } }, t('Disable', '停用')),
                h('button', { class: 'secondary', 'data-testid': 'user-reset', onclick: async () => { try { showPassword(await post(PATHS.userReset(u.username))); await draw(); } catch (e) { fail(e); } } }, t('Reset password', '重置密码')),
              ),
            ),
          ),
        ),
      ),
    );
  }
  main.append(h('h1', {}, t('Users', '用户管理')), form, status, list);
  await draw();
}
