// post.js: one post of a feed (a FeedItem of doc/ui-contract.md) as an
// <article data-testid="post" data-id="ent_…">.
import { h, replace, displayName, timeEl } from './dom.js';
import { alikeBadge, cleanName, iso } from './peertext.js';
import { blobURL } from './api.js';
import { reactionBar } from './reactions.js';
import { tagBar, tagButton } from './tags.js';

// renderPost draws item. opts.onReply(item) is what the Reply button does
// (default: open the thread with its reply box); opts.target marks the
// post a thread page was opened for; opts.replyToName names the author
// of the post it answers, when known; opts.inThread leaves out the link
// to the thread (the page shows it).
export function renderPost(item, opts = {}) {
  // Your own posts, while you have no name, are "You", not your id.
  const unnamedMine = item.mine && !cleanName(item.author_name);
  const shown = unnamedMine ? 'You' : displayName(item.author_name, item.account);
  const name = iso(shown); // in sentences: image alt, aria-label
  const accountLink = item.account && item.account.startsWith('acc_') ? '#/account/' + item.account : null;
  const threadId = item.root || item.id;
  const images = item.images || [];
  const headingId = 'post-' + item.id;
  const replies = typeof item.replies === 'number' ? item.replies : null;
  const tags = tagBar(item.id);
  const reply = () => {
    if (opts.onReply) opts.onReply(item);
    else location.hash = '#/thread/' + item.id + '?reply';
  };
  return h(
    'article',
    {
      class: 'post' + (opts.target ? ' target' : '') + (item.mine ? ' mine' : ''),
      'aria-labelledby': headingId,
      tabindex: '-1',
      dataset: { testid: 'post', id: item.id },
    },
    h(
      'header',
      { class: 'post-head' },
      item.author_image ? h('img', { class: 'avatar', src: blobURL(item.author_image), alt: '', width: 40, height: 40, loading: 'lazy' }) : h('span', { class: 'avatar none', 'aria-hidden': 'true', text: [...(unnamedMine ? shown : displayName(item.author_name, ''))].slice(0, 1).join('').toUpperCase() }),
      h(
        'div',
        { class: 'who' },
        h('h3', { class: 'author', id: headingId },
          accountLink ? h('a', { href: accountLink, dataset: { testid: 'post-author' }, ptext: shown }) : h('span', { dataset: { testid: 'post-author' }, ptext: shown }),
          accountLink ? alikeBadge(item.account, item.author_name) : null,
          item.mine && !unnamedMine ? h('span', { class: 'badge', text: 'you' }) : null),
        h('a', { class: 'when', href: '#/thread/' + item.id, 'aria-label': 'Posted ' + new Date(item.time || item.timestamp).toLocaleString() + ', open the thread' }, timeEl(item.time || item.timestamp)),
      ),
    ),
    item.reply_to ? h('p', { class: 'reply-note', dataset: { testid: 'reply-note', to: item.reply_to } }, h('a', { href: '#/thread/' + item.reply_to },
      opts.replyToName ? ['In reply to ', h('bdi', { text: opts.replyToName })] : 'In reply to a post')) : null,
    item.text ? h('p', { class: 'post-text', dataset: { testid: 'post-text' }, ptext: item.text }) : null,
    images.length
      ? h('div', { class: 'post-images' }, images.map((id, i) =>
          h('a', { href: blobURL(id), target: '_blank', rel: 'noopener' },
            h('img', { src: blobURL(id), alt: images.length > 1 ? `Image ${i + 1} of ${images.length} posted by ${name}` : `Image posted by ${name}`, loading: 'lazy', dataset: { testid: 'post-image' } }))))
      : null,
    tags,
    h(
      'footer',
      { class: 'post-foot' },
      // No "0 replies": a post nobody answered has Reply (and its time
      // links to it).
      opts.inThread || replies === 0 ? null : h('a', { href: '#/thread/' + threadId, dataset: { testid: 'post-thread' },
        text: replies === null ? (item.root ? 'Whole thread' : 'Thread') : replies === 1 ? '1 reply' : `${replies} replies` }),
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Reply to ' + name, dataset: { testid: 'post-reply' }, onclick: reply, text: 'Reply' }),
      tagButton(tags),
      reactionBar(item.id),
    ),
  );
}

// nameReplies names, in the reply notes under root still saying "In reply
// to a post", the author of the post answered when names (ent_… → name)
// knows it: a feed knows the posts it shows.
export function nameReplies(root, names) {
  for (const note of root.querySelectorAll('[data-testid=reply-note]:not([data-named])')) {
    const name = names.get(note.dataset.to);
    if (!name) continue;
    note.dataset.named = '1';
    replace(note.firstChild, 'In reply to ', h('bdi', { text: name }));
  }
}
