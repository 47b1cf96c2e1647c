// A small DOM builder: text always goes in as text nodes, never as HTML, so no value from the API
// (masked or, in a reveal, raw) can become markup.

/** h('div', { class: 'x', 'data-testid': 'y', onclick: fn }, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Bilingual label: English, then Chinese in a lighter span. */
export function t(en, zh) {
  return h('span', { class: 'label' }, en, zh ? h('span', { class: 'zh' }, ` ${zh}`) : null);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A message line for errors and confirmations. */
export function notice(kind, text, testid = 'notice') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': testid }, text);
}

export function formatInstant(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // Stewards work in Shanghai time, whatever the browser's zone.
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

const HOUR = 3_600_000;
export const DUE_SOON_MS = 48 * HOUR;

/** Time left until `dueAt`: { state: 'breached' | 'due-soon' | 'ok', text }. */
export function timeLeft(dueAt, now = Date.now()) {
  const ms = new Date(dueAt).getTime() - now;
  const abs = Math.abs(ms);
  const days = Math.floor(abs / (24 * HOUR));
  const hours = Math.floor((abs % (24 * HOUR)) / HOUR);
  const span = days > 0 ? `${days}d ${hours}h` : `${hours}h ${Math.floor((abs % HOUR) / 60000)}m`;
  if (ms < 0) return { state: 'breached', text: `breached 已超时 ${span}` };
  if (ms < DUE_SOON_MS) return { state: 'due-soon', text: `due soon 即将到期 ${span}` };
  return { state: 'ok', text: `${span} left 剩余` };
}
