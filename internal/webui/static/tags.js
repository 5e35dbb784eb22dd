// tags.js: the labels people put on a post (doc/api.md, "Reactions, tags
// and mutes"), as small chips under it: how many accounts used each, yours
// pressed. Pressing a label adds yours (or takes yours off); "Label…" in
// the post's footer opens a field to add a new one. Like reactions.js, the
// bars a page draws are filled by one request.
import { h, replace, statusLine, errorText } from './dom.js';
import { request } from './api.js';

const maxBatch = 200;
const maxLabel = 64; // bytes (payloads.md §11)
let queue = new Map();
let timer = null;

async function flush() {
  timer = null;
  const waiting = queue;
  queue = new Map();
  const ids = [...waiting.keys()];
  for (let i = 0; i < ids.length; i += maxBatch) {
    const part = ids.slice(i, i + maxBatch);
    let res;
    try {
      res = await request('GET', '/tags?' + part.map((id) => 'entry=' + encodeURIComponent(id)).join('&'));
    } catch {
      continue; // labels are extra: a post shows without them
    }
    for (const e of res.entries || []) {
      for (const bar of waiting.get(e.entry) || []) draw(bar, e.labels || []);
    }
  }
}

// draw shows labels in bar's chip list; the bar is hidden while there are
// none and its form is closed.
function draw(bar, labels) {
  const chips = bar.querySelector('.tag-chips');
  replace(chips, ...labels.map((l) => h('button', {
    type: 'button',
    class: 'tag' + (l.mine ? ' mine' : ''),
    'aria-pressed': l.mine ? 'true' : 'false',
    'aria-label': `Label ${l.label}: ${l.count} ${l.count === 1 ? 'account' : 'accounts'}${l.mine ? ', yours; press to take it off' : '; press to add yours'}`,
    title: `${l.count} ${l.count === 1 ? 'account' : 'accounts'}${l.mine ? ', you among them: press to take yours off' : ': press to label it too'}`,
    dataset: { testid: 'tag', label: l.label, count: String(l.count) },
    onclick: () => setLabel(bar, l.label, l.mine),
  }, h('bdi', { text: l.label }), l.count > 1 ? h('span', { class: 'count', text: String(l.count) }) : null)));
  bar.dataset.count = String(labels.length);
  showBar(bar);
}

function showBar(bar) {
  bar.hidden = bar.dataset.count === '0' && bar.querySelector('form').hidden;
}

async function reload(bar) {
  const res = await request('GET', '/tags?entry=' + encodeURIComponent(bar.dataset.id));
  draw(bar, (res.entries && res.entries[0] && res.entries[0].labels) || []);
}

// setLabel puts label on the entry, or takes it off when removed.
async function setLabel(bar, label, removed) {
  const status = bar.querySelector('[data-testid=tag-status]');
  try {
    await request('POST', '/entries/' + encodeURIComponent(bar.dataset.id) + '/tags', { label, removed: !!removed });
    status.set(removed ? `Label “${label}” taken off.` : '');
    await reload(bar);
    const chip = [...bar.querySelectorAll('[data-testid=tag]')].find((c) => c.dataset.label === label);
    if (chip) chip.focus();
    return true;
  } catch (err) {
    status.set(errorText(err), 'error');
    showBar(bar);
    return false;
  }
}

// tagBar returns the labels of entry id, filled once they arrive (hidden
// while there are none), with the form that adds one (opened by the
// button tagButton makes).
export function tagBar(id) {
  const input = h('input', {
    type: 'text', maxlength: maxLabel, autocomplete: 'off', placeholder: 'recipes',
    'aria-label': 'New label', dataset: { testid: 'tag-input' },
  });
  const status = statusLine('tag-status');
  const form = h('form', { class: 'tag-form', dataset: { testid: 'tag-form' }, hidden: true },
    input, h('button', { type: 'submit', class: 'small', dataset: { testid: 'tag-submit' }, text: 'Add label' }),
    h('button', { type: 'button', class: 'secondary small', text: 'Cancel', onclick: () => closeForm(bar) }));
  const bar = h('div', { class: 'tags', hidden: true, role: 'group', 'aria-label': 'Labels', dataset: { testid: 'tags', id, count: '0' } },
    h('span', { class: 'tag-chips' }), form, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const label = input.value.trim();
    if (!label) {
      status.set('Write a label first, e.g. “recipes”.', 'error');
      input.focus();
      return;
    }
    if (await setLabel(bar, label, false)) {
      input.value = '';
      closeForm(bar);
    }
  });
  if (!queue.has(id)) queue.set(id, []);
  queue.get(id).push(bar);
  if (!timer) timer = setTimeout(flush, 0);
  return bar;
}

function closeForm(bar) {
  bar.querySelector('form').hidden = true;
  const b = bar.closest('article') && bar.closest('article').querySelector('[data-testid=tag-add]');
  if (b) {
    b.setAttribute('aria-expanded', 'false');
    b.focus();
  }
  showBar(bar);
}

// tagButton is the footer's "Label…" button opening bar's form.
export function tagButton(bar) {
  return h('button', {
    type: 'button', class: 'secondary', 'aria-expanded': 'false', dataset: { testid: 'tag-add' }, text: 'Label…',
    onclick: (e) => {
      const form = bar.querySelector('form');
      form.hidden = !form.hidden;
      e.currentTarget.setAttribute('aria-expanded', String(!form.hidden));
      showBar(bar);
      if (!form.hidden) form.querySelector('input').focus();
    },
  });
}
