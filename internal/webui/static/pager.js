// pager.js: a listing read a page at a time from the latest back
// (doc/api.md: ?limit= and ?before=, answered with earlier and older), as
// a space's messages and a conversation's thread are. It keeps the
// messages shown, oldest first; a reload reads the latest pages again down
// to the oldest shown, so new messages join and the shown ones are
// current, and "Show older" adds the page before.

import { h, errorText, plural } from './dom.js';

// PAGE is how many messages a page holds.
export const PAGE = 50;

// makePager answers {items, earlier, reload(), older()}. fetch(before)
// reads one page (before '' for the latest) and answers {items, earlier,
// older}.
export function makePager(fetch) {
  const pg = { items: [], earlier: 0, cursor: '' };
  let olderShown = false; // a page before the latest was added
  let gen = 0; // changed by older: a reload begun before it ends is dropped

  // reload reads the latest pages down to the oldest message shown (or
  // one page when none is) and replaces what is shown with them.
  pg.reload = async () => {
    const began = gen;
    const stop = olderShown && pg.items.length ? pg.items[0].id : null;
    let got = [];
    let before = '';
    let earlier = 0;
    let cursor = pg.cursor;
    for (let i = 0; i < 100; i++) {
      const p = await fetch(before);
      if (gen !== began) return;
      got = p.items.concat(got);
      const at = stop ? p.items.findIndex((m) => m.id === stop) : -1;
      if (!stop || !p.earlier || at >= 0) {
        if (at >= 0) {
          got = got.slice(at);
          earlier = p.earlier + at;
        } else {
          earlier = p.earlier;
          cursor = p.older || '';
        }
        break;
      }
      before = p.older;
    }
    pg.items = got;
    pg.earlier = earlier;
    pg.cursor = cursor;
  };

  // older adds the page before the oldest shown.
  pg.older = async () => {
    if (!pg.cursor) return;
    gen++;
    const p = await fetch(pg.cursor);
    const shown = new Set(pg.items.map((m) => m.id));
    pg.items = p.items.filter((m) => !shown.has(m.id)).concat(pg.items);
    pg.earlier = p.earlier;
    pg.cursor = p.older || '';
    olderShown = true;
    gen++;
  };
  return pg;
}

// olderButton answers the "Show older" button of the pager pagerOf()
// answers (a page may make the button before its pager), hidden while
// nothing is earlier: a click adds the page before, calls drawn() to show
// it and keeps the message that was first in list in view; an error goes
// to status. Call its update() after every draw.
export function olderButton(testid, list, status, pagerOf, drawn) {
  const btn = h('button', { type: 'button', class: 'secondary small older', dataset: { testid }, hidden: true });
  btn.update = () => {
    const earlier = pagerOf().earlier;
    btn.hidden = !earlier;
    btn.textContent = `Show older (${plural(earlier, 'earlier message')})`;
  };
  btn.addEventListener('click', async () => {
    const first = list.firstElementChild;
    btn.disabled = true;
    try {
      await pagerOf().older();
      drawn();
      btn.update();
      if (first && first.scrollIntoView) first.scrollIntoView({ block: 'start' });
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
