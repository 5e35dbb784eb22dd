// pages/timeline.js: the home page: write a post, read the posts of
// the accounts followed, new ones arriving live.
import { h, plural } from '../dom.js';
import { api } from '../api.js';
import { makeComposer } from '../compose.js';
import { makeFeed, debounce } from '../feed.js';
import { unsyncedNotice } from '../copies.js';

export default async function timeline(main, ctx) {
  ctx.title('Timeline');
  const feed = makeFeed({
    load: (cursor) => api.timeline(cursor),
    label: 'Timeline',
    empty: h('p', {}, 'Nothing here yet. Write the first post, or ', h('a', { href: '#/invite', text: 'invite someone' }), ' to see their posts here.'),
  });
  const newest = async (announce) => {
    try {
      const fresh = await feed.refreshNewest();
      const others = fresh.filter((it) => !it.mine).length;
      if (announce && others > 0) ctx.announce(others === 1 ? '1 new post' : `${others} new posts`);
    } catch {
      // The next event or a reload tries again.
    }
  };
  const composer = makeComposer({ label: 'Write a post', button: 'Post', onPosted: () => newest(false) });
  const notice = unsyncedNotice();
  main.append(
    h('h1', { tabindex: '-1', text: 'Timeline' }),
    notice.el,
    composer.el,
    h('h2', { class: 'visually-hidden', text: 'Posts' }),
    feed.el,
  );
  const later = debounce(() => newest(true), 300);
  const noticeLater = debounce(notice.refresh, 1000);
  ctx.on('entry', (e) => {
    if (e.type === 'post') later();
    if (e.type === 'device.add' || e.type === 'device.revoke') noticeLater();
  });
  ctx.on('peers', noticeLater);
  ctx.on('resync', () => { feed.reload(); notice.refresh(); });
  await feed.reload();
}
