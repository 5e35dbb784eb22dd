// pages/messages.js: your private conversations, the latest activity
// first, and the form to start one with people you follow (chosen by
// name) or by account id, saying who will be able to read it (doc/api.md
// "Messages"). Live: reloaded on the message event.
import { h, replace, statusLine, errorText, plural, displayName, shortId, timeEl, bdi } from '../dom.js';
import { api } from '../api.js';
import { alikeBadge } from '../peertext.js';
import { lockIcon } from './spaces.js';
import { isUnread } from '../unread.js';

// personName is how a participant or author shows: "you" for this
// account, else the profile name or the short account id.
export function personName(p, me, you = 'you') {
  if (p.account && p.account === me) return you;
  if (!p.account) return 'a device unknown here';
  return displayName(p.name, p.account);
}

// others are the participants other than you, by name.
export function othersOf(participants, me) {
  return participants.filter((p) => p.account !== me)
    .sort((x, y) => displayName(x.name, x.account).localeCompare(displayName(y.name, y.account)) || (x.account < y.account ? -1 : 1));
}

// readerNames are the names of who can read a conversation: you first,
// then the others by name.
export function readerNames(participants, me) {
  const mine = participants.filter((p) => p.account === me);
  return [...mine, ...othersOf(participants, me)].map((p) => personName(p, me));
}

// readersLine is "Who can read this: you, Ann, Bea (their devices)" as
// nodes: the names isolated (<bdi>), for a sentence.
export function readersLine(names) {
  return ['Who can read this: ', names.map((n, i) => [i ? ', ' : '', bdi(n)]), ' (their devices)'];
}

// readersText is the same as a string (for a lock's label).
export function readersText(names) {
  return `Who can read this: ${names.join(', ')} (their devices)`;
}

// namesTitle is a conversation's title: the participants other than you
// ("Ann, Bea"), the first five and how many more for a large one.
export function namesTitle(others) {
  if (!others.length) return 'Notes to yourself';
  const names = others.map((p) => displayName(p.name, p.account));
  return names.length > 5 ? names.slice(0, 5).join(', ') + ` and ${names.length - 5} more` : names.join(', ');
}

function othersTitle(c, me) {
  if (!c.verified) return 'Unverified conversation';
  return namesTitle(othersOf(c.participants, me));
}

function preview(c, me) {
  const l = c.last;
  if (!l) return h('span', { class: 'muted', text: 'No message you can read yet.' });
  const text = l.text.length > 120 ? l.text.slice(0, 120) + '…' : l.text;
  return [bdi(personName(l.author, me, 'You')), ': ', h('span', { ptext: text })];
}

export default async function messages(main, ctx) {
  ctx.title('Messages');
  const me = ctx.me.account;
  const status = statusLine('messages-status');
  const listHeading = h('h2', { id: 'conversations-heading', text: 'Conversations' });
  const list = h('ul', { class: 'conversations', dataset: { testid: 'conversations-list' }, 'aria-labelledby': 'conversations-heading' });

  // The form to start a conversation.
  const people = h('fieldset', { class: 'message-people', dataset: { testid: 'message-people' } }, h('legend', { text: 'People you follow' }));
  const othersIn = h('textarea', {
    id: 'message-to-ids', rows: 2, spellcheck: 'false', placeholder: 'acc_…', 'aria-describedby': 'message-to-help',
    dataset: { testid: 'message-to-ids' },
  });
  const textIn = h('textarea', { id: 'message-text', rows: 4, maxlength: 10000, dataset: { testid: 'new-message-text' } });
  const readers = h('p', { class: 'readers', dataset: { testid: 'new-message-readers' }, 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', dataset: { testid: 'message-send' }, text: 'Seal and send' });
  const sendStatus = statusLine('message-send-status');
  const form = h('form', { class: 'card message-form', id: 'new-message', dataset: { testid: 'message-form' }, 'aria-labelledby': 'new-message-heading' },
    h('h2', { id: 'new-message-heading', text: 'New message' }),
    people,
    h('label', { for: 'message-to-ids', text: 'Others, by account id' }), othersIn,
    h('p', { id: 'message-to-help', class: 'muted hint', text: 'One a line. Each person finds their account id on their own Messages page.' }),
    h('label', { for: 'message-text', text: 'Message' }), textIn,
    readers,
    h('div', { class: 'row' }, submit),
    sendStatus);

  main.append(h('div', { class: 'messages-page' },
    h('h1', { tabindex: '-1', text: 'Messages' }),
    h('p', { class: 'muted' }, lockIcon(), ' Private conversations: each message is sealed for the devices of the people in it. ',
      'The nodes that carry it for them (friends’, hubs) cannot read it, nor learn who it is for.'),
    h('p', { class: 'small' }, 'Your account id is ', h('code', { class: 'id', dataset: { testid: 'my-account' }, text: me }), '.'),
    status,
    h('p', {}, h('a', { class: 'button', href: '#/messages', dataset: { testid: 'message-new' }, text: 'New message',
      onclick: (e) => { e.preventDefault(); form.scrollIntoView({ block: 'start' }); textIn.focus(); } })),
    h('section', { 'aria-labelledby': 'conversations-heading' }, listHeading, list),
    form));

  // chosen are the recipients as the form stands: [{account, name}] for
  // people ticked, {account} for ids typed.
  function chosen() {
    const ticked = [...people.querySelectorAll('input[type=checkbox]:checked')].map((c) => ({ account: c.value, name: c.dataset.name || '' }));
    const typed = othersIn.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean).map((account) => ({ account, name: '' }));
    const seen = new Set();
    return [...ticked, ...typed].filter((p) => !seen.has(p.account) && seen.add(p.account) && p.account !== me);
  }
  function drawReaders() {
    const to = chosen();
    if (!to.length) {
      replace(readers, lockIcon(), ' Choose who it is for: only you and they will be able to read it (their devices). Nodes that carry it cannot read it.');
      return;
    }
    replace(readers, lockIcon(), ' ', h('strong', { text: 'Sealed.' }), ' ',
      readersLine(['you', ...othersOf(to, me).map((p) => displayName(p.name, p.account))]),
      '. Nodes that carry it cannot read it. The people in a conversation never change: start a new one for others.');
  }
  people.addEventListener('change', drawReaders);
  othersIn.addEventListener('input', drawReaders);
  drawReaders();

  async function loadChoices() {
    try {
      const f = await api.follows();
      if (!ctx.alive()) return;
      const following = f.following || [];
      const pre = ctx.query.get('to') || '';
      replace(people, h('legend', { text: 'People you follow' }),
        following.length ? following.map((a) => {
          const name = (a.profile && a.profile.name) || '';
          return h('div', { class: 'check' },
            h('input', { type: 'checkbox', id: 'm-' + a.account, value: a.account, checked: a.account === pre, dataset: { testid: 'message-person', account: a.account, name } }), ' ',
            h('label', { for: 'm-' + a.account, ptext: displayName(name, a.account) }),
            name ? alikeBadge(a.account, name) : null,
            h('span', { class: 'muted id small', title: a.account, text: ' ' + shortId(a.account) }));
        }) : h('p', { class: 'muted', text: 'You follow no one yet: name people by account id below.' }));
      // ?to=acc_… (a profile's Message link): ticked when followed, typed
      // in otherwise; then the text is next.
      if (pre) {
        if (!following.some((a) => a.account === pre) && /^acc_[a-z0-9]+$/.test(pre)) othersIn.value = pre;
        form.scrollIntoView({ block: 'start' });
        textIn.focus();
      }
      drawReaders();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  let shown = null;
  async function load() {
    try {
      const cs = (await api.conversations()).conversations || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(cs);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Conversations (${cs.length})`;
      ctx.unread(cs);
      if (!cs.length) {
        replace(list, h('li', { class: 'empty', dataset: { testid: 'conversations-empty' }, text: 'No conversations yet. Start one below; messages people send you show here.' }));
        return;
      }
      replace(list, ...cs.map((c) => {
        const names = readerNames(c.participants, me);
        const unread = isUnread(c);
        return h('li', { class: 'conversation-item card' + (c.verified ? '' : ' unverified') + (unread ? ' unread' : ''), dataset: { testid: 'conversation-item', conversation: c.id, verified: String(c.verified), unread: String(unread) } },
          h('h3', {}, lockIcon(c.verified ? readersText(names) : 'Sealed: who can read it is not known yet'), ' ',
            h('a', { href: '#/conversation/' + c.id, dataset: { testid: 'conversation-link' }, ptext: othersTitle(c, me) }),
            unread ? h('span', { class: 'badge new', dataset: { testid: 'conversation-unread' }, text: 'New' }) : null,
            c.verified ? null : h('span', { class: 'badge warn', text: 'unverified' })),
          h('p', { class: 'preview', dataset: { testid: 'conversation-preview' } }, preview(c, me)),
          h('p', { class: 'meta muted small' },
            plural(c.messages, 'message'),
            c.last && c.last.time ? [' · ', timeEl(Date.parse(c.last.time))] : null,
            ' · ', c.verified ? readersText(names) : 'its first message has not arrived here: who can read it is not known yet'));
      }));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const to = chosen();
    const t = textIn.value;
    const bad = to.find((p) => !/^acc_[a-z0-9]+$/.test(p.account));
    if (bad) {
      sendStatus.set(`“${bad.account}” is not an account id: they start with acc_.`, 'error');
      othersIn.focus();
      return;
    }
    if (!to.length) {
      sendStatus.set('Choose at least one person, or name one by account id.', 'error');
      return;
    }
    if (!t.trim()) {
      sendStatus.set('Write something first.', 'error');
      textIn.focus();
      return;
    }
    submit.disabled = true;
    sendStatus.set('Sealing and sending…');
    try {
      const res = await api.startConversation(to.map((p) => p.account), t);
      ctx.announce('Message sent.');
      location.hash = '#/conversation/' + res.conversation;
    } catch (err) {
      sendStatus.set('Not sent: ' + errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  };
  ctx.on('message', later);
  ctx.on('entry', (e) => {
    if (e.type === 'profile') later();
  });
  ctx.on('resync', load);
  await Promise.all([load(), loadChoices()]);
}
