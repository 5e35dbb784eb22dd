// reactions.js: the reaction bar under a post (doc/api.md, "Reactions,
// tags and mutes"): one button per emoji with how many accounts chose it,
// yours pressed, and the short texts people reacted with. The bars a page
// draws in one go are filled by one request: each bar queues its entry
// and the queue is sent on the next tick.
import { h, replace, errorText } from './dom.js';
import { request } from './api.js';

const words = ['Like', 'Love', 'Laugh', 'Wow', 'Sad', 'Thanks', 'Party', 'Eyes'];
const fallback = ['\u{1F44D}', '\u2764\uFE0F', '\u{1F602}', '\u{1F62E}', '\u{1F622}', '\u{1F64F}', '\u{1F389}', '\u{1F440}'];
const maxBatch = 200;

let queue = new Map(); // entry id → bar elements waiting for counts
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
      res = await request('GET', '/reactions?' + part.map((id) => 'entry=' + encodeURIComponent(id)).join('&'));
    } catch (err) {
      for (const id of part) for (const bar of waiting.get(id)) drawError(bar, err);
      continue;
    }
    for (const e of res.entries || []) {
      for (const bar of waiting.get(e.entry) || []) draw(bar, e, res.emoji || fallback);
    }
  }
}

function want(bar) {
  const id = bar.dataset.id;
  if (!queue.has(id)) queue.set(id, []);
  queue.get(id).push(bar);
  if (!timer) timer = setTimeout(flush, 0);
}

function drawError(bar, err) {
  replace(bar, h('span', { class: 'muted small', text: 'Reactions not loaded: ' + errorText(err) }));
}

// draw fills bar with the counts of e (an EntryReactions of the API).
function draw(bar, e, emoji) {
  const counts = new Map((e.counts || []).map((c) => [c.value, c.count]));
  const buttons = emoji.map((em, i) => {
    const n = counts.get(em) || 0;
    const mine = e.mine === em;
    return h('button', {
      type: 'button',
      class: 'reaction' + (mine ? ' mine' : '') + (n ? '' : ' zero'),
      'aria-pressed': mine ? 'true' : 'false',
      'aria-label': `${words[i] || em}: ${n} ${n === 1 ? 'account' : 'accounts'}${mine ? ', yours; press to take it back' : ''}`,
      title: words[i] || em,
      dataset: { testid: 'reaction', value: em, count: String(n) },
      onclick: () => react(bar, mine ? null : em, emoji),
    }, h('span', { 'aria-hidden': 'true', text: em }), n ? h('span', { class: 'count', text: String(n) }) : null);
  });
  const texts = (e.counts || []).filter((c) => !c.emoji).map((c) =>
    h('span', { class: 'reaction-text' + (e.mine === c.value ? ' mine' : ''), dataset: { testid: 'reaction-text' } },
      h('bdi', { text: c.value }), ' ', h('span', { class: 'count', text: String(c.count) })));
  replace(bar, ...buttons, ...texts);
}

async function react(bar, emoji, set) {
  const id = bar.dataset.id;
  try {
    if (emoji) await request('PUT', '/entries/' + encodeURIComponent(id) + '/reaction', { emoji });
    else await request('DELETE', '/entries/' + encodeURIComponent(id) + '/reaction');
    const res = await request('GET', '/reactions?entry=' + encodeURIComponent(id));
    draw(bar, res.entries[0], res.emoji || set);
    const pressed = bar.querySelector('button[aria-pressed="true"]') || bar.querySelector('button');
    if (pressed) pressed.focus();
  } catch (err) {
    drawError(bar, err);
  }
}

// reactionBar returns the bar of entry id, filled once the counts arrive.
export function reactionBar(id) {
  const bar = h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions', dataset: { testid: 'reactions', id } });
  want(bar);
  return bar;
}
