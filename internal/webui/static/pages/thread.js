// pages/thread.js: a post, its thread as a conversation (each reply
// under the post it answers, indented, in time order), and a box to reply.
import { h, replace, displayName, statusLine, errorText } from '../dom.js';
import { api } from '../api.js';
import { iso } from '../peertext.js';
import { renderPost } from '../post.js';
import { makeComposer } from '../compose.js';
import { debounce } from '../feed.js';

export default async function thread(main, ctx) {
  const id = ctx.params[0];
  ctx.title('Thread');
  let target = id; // the post a reply answers
  let shown = new Set();
  const rootBox = h('div', { class: 'thread-root', dataset: { testid: 'thread-root' } });
  const repliesHeading = h('h2', { text: 'Replies' });
  const replies = h('ol', { class: 'feed replies', dataset: { testid: 'thread-replies' }, 'aria-labelledby': 'replies-heading' });
  repliesHeading.id = 'replies-heading';
  const status = statusLine('thread-status');
  const replyingTo = h('p', { class: 'replying-to', dataset: { testid: 'replying-to' }, 'aria-live': 'polite' });
  const composer = makeComposer({
    label: 'Your reply',
    button: 'Reply',
    replyTo: () => target,
    onPosted: () => load(false),
  });
  const byId = new Map();

  function setTarget(item) {
    target = item.id;
    drawReplyingTo();
    composer.focus();
  }

  function drawReplyingTo() {
    const it = byId.get(target);
    replace(replyingTo, it ? `Replying to ${iso(displayName(it.author_name, it.account))}` : 'Replying in this thread');
  }

  async function load(announce) {
    try {
      const t = await api.thread(id);
      const items = (t.root ? [t.root] : []).concat(t.replies || []);
      const fresh = items.filter((it) => !shown.has(it.id) && !it.mine);
      byId.clear();
      for (const it of items) byId.set(it.id, it);
      shown = new Set(items.map((it) => it.id));
      replace(rootBox, t.root
        ? renderPost(t.root, { onReply: setTarget, target: t.root.id === id, inThread: true })
        : h('p', { class: 'empty' }, 'The first post of this thread is not held here (yet).'));
      replace(replies, ...conversationTree(t, (it) => {
        const parent = it.reply_to && byId.get(it.reply_to);
        return renderPost(it, { onReply: setTarget, target: it.id === id, inThread: true, replyToName: parent ? displayName(parent.author_name, parent.account) : '' });
      }));
      const n = (t.replies || []).length;
      repliesHeading.textContent = n === 0 ? 'No replies yet' : n === 1 ? '1 reply' : `${n} replies`;
      drawReplyingTo();
      status.set('');
      if (announce && fresh.length) ctx.announce(fresh.length === 1 ? '1 new reply' : `${fresh.length} new replies`);
      return true;
    } catch (err) {
      status.set(err.code === 'not_found' ? 'This post is not held here. It may not have arrived yet, or its author deleted it.' : errorText(err), 'error');
      return false;
    }
  }

  main.append(
    h('p', { class: 'back' }, h('a', { href: '#/', text: '← Timeline' })),
    h('h1', { tabindex: '-1', text: 'Thread' }),
    status,
    rootBox,
    repliesHeading,
    replies,
    h('section', { class: 'reply-box', 'aria-label': 'Reply' }, replyingTo, composer.el),
  );
  const ok = await load(false);
  if (ok) {
    if (ctx.query.has('reply')) composer.focus();
    else {
      const t = main.querySelector(`article[data-id="${CSS.escape(id)}"]`);
      if (t && t.closest('.replies')) t.scrollIntoView({ block: 'center' });
    }
  }
  const later = debounce(() => load(true), 300);
  ctx.on('entry', (e) => {
    if (e.type === 'post') later();
  });
  ctx.on('resync', () => load(false));
}

// maxDepth is the deepest indent: deeper answers stay at it, each saying
// whom it answers, so a long exchange does not shrink to a sliver.
const maxDepth = 4;

// conversationTree lays out the replies of thread t as nested lists: a
// reply goes under the post it answers when that is in the thread, else
// (its parent not held, or the root) at the top. Siblings keep the
// thread's time order. Each <li> has data-depth (1 at the top).
export function conversationTree(t, draw) {
  const rs = t.replies || [];
  const ids = new Set(rs.map((r) => r.id));
  const children = new Map();
  const top = [];
  for (const r of rs) {
    if (r.reply_to && r.reply_to !== t.root_id && ids.has(r.reply_to) && r.reply_to !== r.id) {
      if (!children.has(r.reply_to)) children.set(r.reply_to, []);
      children.get(r.reply_to).push(r);
    } else {
      top.push(r);
    }
  }
  const placed = new Set();
  // item answers the <li> of r and, at the deepest indent, those of its
  // answers after it.
  const item = (r, depth) => {
    placed.add(r.id);
    const li = h('li', { class: 'reply-item', dataset: { depth: String(depth), id: r.id } }, draw(r));
    const kids = (children.get(r.id) || []).filter((k) => !placed.has(k.id));
    if (!kids.length) return [li];
    if (depth < maxDepth) {
      li.append(h('ol', { class: 'feed replies nested' }, kids.flatMap((k) => item(k, depth + 1))));
      return [li];
    }
    return [li, ...kids.flatMap((k) => item(k, depth))];
  };
  const out = top.flatMap((r) => item(r, 1));
  // Answers whose chain never reaches the top (none can, as an entry
  // names the hash of the one it answers) are shown rather than lost.
  for (const r of rs) if (!placed.has(r.id)) out.push(...item(r, 1));
  return out;
}
