// dom.js: small helpers to build the page. User data only ever goes in as
// text (textContent, attribute values), never as HTML; text other people
// wrote goes in with "ptext", which isolates its direction.
import { cleanName } from './peertext.js';

// h builds an element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child…).
// Attributes: "class", "text" (textContent), "ptext" (textContent written
// by someone else: also dir="auto", so its direction is its own and cannot
// turn the text around it), "dataset" (object), on* (event listeners);
// booleans set or leave out the attribute; null/undefined are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'text') {
      el.textContent = v;
    } else if (k === 'ptext') {
      el.textContent = v;
      el.dir = 'auto';
    } else if (k === 'value') {
      el.value = v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// clear removes every child of el and appends children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// shortId shortens acc_…/dev_…/ent_… ids for display: "acc_1a2b3c4d…".
export function shortId(id) {
  if (!id) return '';
  const i = id.indexOf('_');
  return id.length > i + 13 ? id.slice(0, i + 11) + '…' : id;
}

// displayName is an account's profile name as shown (cleanName), or its
// short id.
export function displayName(name, account) {
  return cleanName(name) || shortId(account);
}

// bdi is a <bdi> holding text someone else wrote, for text that sits
// inside a sentence: "Vetoed by ", bdi(name).
export function bdi(text, attrs = {}) {
  return h('bdi', { ...attrs, text });
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// relativeTime says how long ago ms (since the epoch) was: "5 minutes ago".
export function relativeTime(ms, now = Date.now()) {
  const s = Math.round((ms - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return 'just now';
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (a < 7 * 86400) return rtf.format(Math.round(s / 86400), 'day');
  return dtf.format(new Date(ms));
}

// timeEl is a <time> showing ms relative to now; refreshTimes updates them.
export function timeEl(ms) {
  const d = new Date(ms);
  const valid = !Number.isNaN(d.getTime());
  return h('time', {
    datetime: valid ? d.toISOString() : null,
    title: valid ? dtf.format(d) : null,
    dataset: { ts: String(ms) },
    text: valid ? relativeTime(ms) : '',
  });
}

export function refreshTimes(root = document) {
  for (const t of root.querySelectorAll('time[data-ts]')) {
    t.textContent = relativeTime(Number(t.dataset.ts));
  }
}

// status is a paragraph for a form's messages; set(text, kind) fills it.
// kind "error" makes it an alert, read out at once.
export function statusLine(testid) {
  const p = h('p', { class: 'status', dataset: testid ? { testid } : undefined, hidden: true });
  p.set = (text, kind = 'info') => {
    p.textContent = text || '';
    p.hidden = !text;
    p.className = 'status ' + kind;
    p.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  };
  return p;
}

// errorText is what to show a person for a failed request.
export function errorText(err) {
  if (err && err.message) return err.message;
  return String(err);
}

// copyText puts text on the clipboard; false when the browser refuses.
export async function copyText(text, fallbackEl) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallbackEl) {
      fallbackEl.focus();
      fallbackEl.select();
      try {
        return document.execCommand('copy');
      } catch {
        return false;
      }
    }
    return false;
  }
}

// plural: plural(1, 'post') "1 post", plural(3, 'post') "3 posts".
export function plural(n, word, many = word + 's') {
  return `${n} ${n === 1 ? word : many}`;
}
