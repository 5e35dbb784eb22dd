// feed.js: a list of posts that loads by pages (newest arrival first),
// with "Load more", and takes new posts at the top without duplicates.
import { h, statusLine, errorText, displayName } from './dom.js';
import { renderPost, nameReplies } from './post.js';

// makeFeed answers {el, reload(), refreshNewest()}. load(cursor) answers
// a page {items, next_cursor}; empty is the text shown when there are no
// posts (a string or an element).
export function makeFeed({ load, empty, label, onReply }) {
  const seen = new Set();
  let cursor = null;
  const list = h('ol', { class: 'feed', dataset: { testid: 'feed' }, 'aria-label': label || 'Posts' });
  const emptyEl = h('div', { class: 'empty', dataset: { testid: 'feed-empty' }, hidden: true }, empty || 'No posts yet.');
  const more = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'load-more' }, hidden: true, text: 'Load more' });
  const status = statusLine('feed-status');
  const el = h('div', { class: 'feed-box' }, list, emptyEl, status, more);

  const names = new Map(); // ent_… → its author's name, of the posts shown
  const item = (it) => {
    names.set(it.id, displayName(it.author_name, it.account));
    return h('li', {}, renderPost(it, { onReply }));
  };

  function update(page) {
    nameReplies(list, names);
    cursor = page.next_cursor || null;
    // No "Load more" under an empty list: there is nothing to go on from.
    more.hidden = !cursor || seen.size === 0;
    emptyEl.hidden = seen.size > 0;
  }

  async function reload() {
    status.set('Loading…');
    try {
      const page = await load(null);
      seen.clear();
      const items = page.items || [];
      for (const it of items) seen.add(it.id);
      list.replaceChildren(...items.map(item));
      update(page);
      status.set('');
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    status.set('Loading…');
    try {
      const page = await load(cursor);
      const fresh = (page.items || []).filter((it) => !seen.has(it.id));
      for (const it of fresh) seen.add(it.id);
      const els = fresh.map(item);
      list.append(...els);
      update(page);
      status.set('');
      // Keyboard users go on where the new posts begin.
      if (els.length) els[0].querySelector('article').focus();
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      more.disabled = false;
    }
  });

  // refreshNewest loads the first page again and puts the posts not shown
  // yet at the top; it answers those posts.
  async function refreshNewest() {
    const page = await load(null);
    const items = page.items || [];
    const fresh = items.filter((it) => !seen.has(it.id));
    if (fresh.length === 0) return [];
    // Feeds are in time order: posts that arrive may sort below ones shown
    // (a follow brings a friend's older posts).
    const onTop = items.slice(0, fresh.length).every((it) => !seen.has(it.id));
    if (!onTop || (fresh.length === items.length && page.next_cursor && seen.size > 0)) {
      // Not all above what is shown, or more than a page holds: start
      // over rather than put them out of order or leave a gap.
      await reload();
      return fresh;
    }
    for (const it of fresh) seen.add(it.id);
    list.prepend(...fresh.map(item));
    nameReplies(list, names);
    emptyEl.hidden = true;
    return fresh;
  }

  return { el, reload, refreshNewest };
}

// debounce calls fn at most once per wait ms, after the last call.
export function debounce(fn, wait) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), wait);
  };
}
