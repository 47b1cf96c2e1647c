// The console's HTTP API as the UI uses it: one place for every path, the session, and the CSRF
// header that every state-changing request carries (x-csrf-token, from GET /api/session).
// Responses are JSON validated by the server's zod schemas (pipelines/console/api-schemas.ts).
// Nothing here is cached or stored: reveals especially are only ever held by the page showing them.

export const PATHS = {
  session: '/api/session',
  issues: '/api/issues',
  issue: (id) => `/api/issues/${encodeURIComponent(id)}`,
  actions: (id) => `/api/issues/${encodeURIComponent(id)}/actions`,
  reveal: (id) => `/api/issues/${encodeURIComponent(id)}/reveal`,
  approveReveal: (id) => `/api/issues/${encodeURIComponent(id)}/reveal-approval`,
  assign: '/api/issues/assign',
  breaches: '/api/breaches',
  accessLog: '/api/access-log',
  accessLogCsv: '/api/access-log.csv',
  users: '/api/users',
  userDisable: (name) => `/api/users/${encodeURIComponent(name)}/disable`,
  userReset: (name) => `/api/users/${encodeURIComponent(name)}/reset`,
  dashboards: '/api/dashboards',
  dashboard: (id) => `/api/dashboards/${encodeURIComponent(id)}`,
};

/** An API error: status, the server's code and, for a 400, the field it names. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error || '';
    this.field = body?.field || '';
  }
}

let session = null;

export function currentSession() {
  return session;
}

/** Query string from an object, leaving out empty values. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && session?.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    if (response.status === 401 && path !== PATHS.session) session = null;
    throw new ApiError(response.status, json);
  }
  return json;
}

export const get = (path, params = {}) => request('GET', path + queryString(params));
export const post = (path, body = {}) => request('POST', path, body);
export const del = (path) => request('DELETE', path);

/** The signed-in session (username, role, permissions, csrfToken), or null. */
export async function loadSession() {
  try {
    session = await get(PATHS.session);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) session = null;
    else throw error;
  }
  return session;
}

export async function signIn(username, password) {
  session = await post(PATHS.session, { username, password });
  // The CSRF token of a fresh session comes with it; read it back to be sure it is the server's.
  return loadSession();
}

export async function signOut() {
  try {
    await del(PATHS.session);
  } finally {
    session = null;
  }
}

export function can(permission) {
  return Boolean(session?.permissions?.includes(permission));
}
