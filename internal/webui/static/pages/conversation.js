// pages/conversation.js: one private conversation as a chat thread
// (doc/api.md "Messages"): who can read it, its messages in causal order
// with the message each answers, the entries that do not open shown as
// such (never hidden), and the box to write. An unverified conversation
// (its first message not held here) says so. Live: reloaded on its message
// events.
import { h, replace, statusLine, errorText, plural, shortId, timeEl, bdi } from '../dom.js';
import { api } from '../api.js';
import { alikeBadge } from '../peertext.js';
import { lockIcon } from './spaces.js';
import { markSeen } from '../unread.js';
import { makeSealedComposer } from '../sealedcompose.js';
import { makePager, olderButton, PAGE } from '../pager.js';
import { othersOf, namesTitle, personName, readerNames, readersLine, readersText } from './messages.js';

// What a person sees of an entry that does not open (doc/api.md
// "Messages": a message's status).
const unreadable = {
  'not-decrypted': 'Sealed: it does not decrypt here',
  malformed: 'Malformed: left out',
  refused: 'Refused: left out of the conversation',
};

export default async function conversation(main, ctx) {
  const id = ctx.params[0];
  const me = ctx.me.account;
  ctx.title('Conversation');
  const status = statusLine('conversation-status');
  const title = h('span', { dataset: { testid: 'conversation-title' }, text: 'Conversation' });
  const readers = h('p', { class: 'readers', dataset: { testid: 'conversation-readers' }, hidden: true });
  const unverified = h('p', { class: 'status notice', role: 'status', dataset: { testid: 'conversation-unverified' }, hidden: true });
  const renewals = h('ul', { class: 'renewals small', dataset: { testid: 'conversation-renewals' }, hidden: true });
  const list = h('ol', { class: 'messages', dataset: { testid: 'conversation-messages' }, 'aria-label': 'Messages' });

  const olderBtn = olderButton('conversation-older', list, status, () => pager, () => {
    shown = JSON.stringify([view, pager]);
    drawHead(view);
    drawThread(view, pager.items);
  });
  const composer = makeSealedComposer({
    prefix: 'conversation', label: 'Write in the conversation', maxlength: 10000, hidden: true,
    send: async (t, replyTo) => {
      await api.sendMessage(id, t, replyTo);
      ctx.announce('Message sent.');
    },
    sent: async () => {
      await load();
      const last = list.lastElementChild;
      if (last && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
    },
  });
  const compose = composer.form;

  main.append(h('div', { class: 'conversation-page' },
    h('p', { class: 'muted small' }, h('a', { href: '#/messages', text: '← Messages' })),
    h('h1', { tabindex: '-1' }, lockIcon('Sealed conversation'), ' ', title),
    h('p', { class: 'muted id small', title: 'The conversation’s id: only its participants know it', text: 'Conversation ' + id.slice(0, 12) + '…' }),
    readers, renewals, unverified, status,
    h('section', { class: 'chat', 'aria-label': 'Messages' }, olderBtn, list, compose)));

  let shown = null;
  let view = null;
  const pager = makePager(async (before) => {
    const c = await api.conversation(id, PAGE, before);
    view = c;
    return { items: c.thread || [], earlier: c.earlier, older: c.older };
  });

  function drawHead(c) {
    const names = readerNames(c.participants, me);
    const others = othersOf(c.participants, me);
    if (c.verified) {
      const t = namesTitle(others);
      title.textContent = t;
      title.dir = 'auto';
      ctx.title(t);
      replace(readers, h('strong', { text: 'Sealed.' }), ' ', readersLine(names), '. Nodes that carry it cannot read it, nor learn who it is for.',
        others.map((p) => (p.name ? alikeBadge(p.account, p.name) : null)));
      readers.hidden = false;
      unverified.hidden = true;
    } else {
      title.textContent = 'Unverified conversation';
      ctx.title('Unverified conversation');
      readers.hidden = true;
      unverified.hidden = false;
      unverified.textContent = 'Unverified: the first message of this conversation has not arrived here, so who can read it is not known yet and the messages below are not checked against it. It is checked when the first message arrives.';
    }
    drawRenewals(c.renewals || []);
    compose.hidden = false;
    composer.setNote(c.verified ? `Sealed for ${names.join(', ')} before it leaves this device.`
      : 'Who will read it is not known until the first message arrives: it is sealed for whoever holds this conversation’s key.');
  }

  // drawRenewals says when the conversation's key was renewed after a
  // device was revoked (messages.md §11), with names.
  function drawRenewals(rs) {
    replace(renewals, ...rs.map((r) => {
      const who = personName(r.by, me) + (r.device ? ` (${r.device})` : '');
      if (!r.given) {
        return h('li', { class: 'notice', text: `Key renewed by ${who} after a device was revoked. This device was not given the new key: it cannot read what is sealed under it.` });
      }
      const revoked = r.revoked && r.revoked.length ? `: ${r.revoked.join(', ')} ${r.revoked.length === 1 ? 'was' : 'were'} revoked` : '';
      return h('li', { text: `Key renewed by ${who}${revoked}.` + (r.current ? ' Messages are sealed under it now.' : '') });
    }));
    renewals.hidden = rs.length === 0;
  }

  function drawThread(c, thread) {
    if (!thread.length) {
      replace(list, h('li', { class: 'empty', dataset: { testid: 'conversation-empty' }, text: 'No messages held here yet.' }));
      return;
    }
    const byID = new Map(thread.map((m) => [m.id, m]));
    const names = readerNames(c.participants, me);
    const lockLabel = c.verified ? 'Sealed. ' + readersText(names) : 'Sealed: who can read it is not known yet (unverified)';
    // Beside each message's lock, who can read it, in short.
    const whoShort = c.verified ? names.join(', ') : 'readers not known yet';
    replace(list, ...thread.map((m) => {
      const author = personName(m.author, me, 'You');
      const readable = m.status === 'readable';
      const head = h('p', { class: 'message-head small' },
        h('bdi', { class: 'author', dataset: { testid: 'message-author' }, text: author }),
        m.author.name && !m.mine ? alikeBadge(m.author.account, m.author.name) : null,
        m.author.account ? null : h('span', { class: 'muted id', title: m.device, text: ' ' + shortId(m.device) }),
        readable && m.time ? [' · ', timeEl(Date.parse(m.time))] : null,
        h('span', { class: 'who-reads', dataset: { testid: 'message-readers' }, title: lockLabel }, ' · ', lockIcon(lockLabel), ' ', whoShort));
      const li = h('li', {
        class: 'message' + (m.mine ? ' mine' : '') + (readable ? '' : ' unreadable'),
        dataset: { testid: 'message', id: m.id, status: m.status, mine: String(!!m.mine) },
      }, head);
      if (!readable) {
        li.append(h('p', { class: 'sealed-text', dataset: { testid: 'message-sealed' } }, lockIcon(), ' ', unreadable[m.status] || m.status),
          m.detail ? h('p', { class: 'muted small', dataset: { testid: 'message-detail' }, text: m.detail }) : null);
        return li;
      }
      if (m.reply) {
        const r = byID.get(m.reply);
        li.append(h('p', { class: 'quote small', dataset: { testid: 'message-reply' } },
          'Reply to ', r ? [bdi(personName(r.author, me, 'You')), ': ', r.status === 'readable' ? h('span', { ptext: r.text.length > 80 ? r.text.slice(0, 80) + '…' : r.text }) : 'a sealed message']
            : m.reply_missing ? 'a message that has not arrived here' : 'an earlier message (Show older)'));
      }
      li.append(h('p', { class: 'message-text', dataset: { testid: 'message-text' }, ptext: m.text }));
      li.append(h('button', {
        type: 'button', class: 'secondary small', dataset: { testid: 'message-reply-button' }, text: 'Reply',
        onclick: () => composer.replyTo(author, m.id),
      }));
      return li;
    }));
  }

  async function load() {
    try {
      await pager.reload();
      if (!ctx.alive()) return;
      status.set('');
      const t = JSON.stringify([view, pager]);
      if (t === shown) return;
      shown = t;
      draw();
      if (view.last) markSeen(view.last.id);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.code === 'not_found') {
        status.set('This conversation is not held here: only its participants’ devices hold it, and its messages arrive from them.', 'error');
      } else {
        status.set(errorText(err), 'error');
      }
    }
  }

  function draw() {
    drawHead(view);
    drawThread(view, pager.items);
    olderBtn.update();
  }

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const before = view ? view.messages : 0;
      await load();
      if (view && view.messages > before) ctx.announce(plural(view.messages - before, 'new message'));
    }, 300);
  };
  ctx.on('message', (d) => {
    if (d.conversation === id) later();
  });
  ctx.on('resync', load);
  await load();
}
