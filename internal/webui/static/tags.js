// tags.js: the labels people put on a post (doc/api.md, "Reactions, tags
// and mutes"), as small chips under it: how many accounts used each, yours
// marked. Like reactions.js, the bars a page draws are filled by one
// request. Labels are added with 'kith tag ENTRY LABEL'.
import { h, replace } from './dom.js';
import { request } from './api.js';

const maxBatch = 200;
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

function draw(bar, labels) {
  bar.hidden = labels.length === 0;
  replace(bar, ...labels.map((l) => h('span', {
    class: 'tag' + (l.mine ? ' mine' : ''),
    dataset: { testid: 'tag', label: l.label, count: String(l.count) },
    title: `${l.count} ${l.count === 1 ? 'account' : 'accounts'}${l.mine ? ', you among them' : ''}`,
  }, h('bdi', { text: l.label }), l.count > 1 ? h('span', { class: 'count', text: String(l.count) }) : null)));
}

// tagBar returns the labels of entry id, filled once they arrive (hidden
// while there are none).
export function tagBar(id) {
  const bar = h('div', { class: 'tags', hidden: true, 'aria-label': 'Labels', dataset: { testid: 'tags', id } });
  if (!queue.has(id)) queue.set(id, []);
  queue.get(id).push(bar);
  if (!timer) timer = setTimeout(flush, 0);
  return bar;
}
