// pages/space.js: one space as a group chat (doc/api.md "Spaces"): who can
// read it, its messages (sealed ones shown as such, never hidden), the box
// to write, and the members panel (names, roles; add, remove and change
// roles for admins; leave). Live: redrawn on the space's messages and on
// membership and key entries.
import { h, replace, statusLine, errorText, plural, displayName, shortId, timeEl, bdi } from '../dom.js';
import { api } from '../api.js';
import { alikeBadge } from '../peertext.js';
import { lockIcon } from './spaces.js';
import { makeSealedComposer } from '../sealedcompose.js';
import { makePager, olderButton, PAGE } from '../pager.js';

// What a person sees of a message that does not open (spaces.md §5).
const unreadable = {
  sealed: 'Sealed: you cannot read this',
  'not-decrypted': 'Sealed: it does not decrypt',
  'not-member': 'Refused: its author was not a member when they wrote it',
  'outdated-epoch': 'Refused: sealed under an outdated key',
  malformed: 'Malformed',
};

// whoName is how a member or author shows: the profile name, or the short
// account id; "you" for this account.
function whoName(name, account, me) {
  if (account && account === me) return 'You';
  if (!account) return 'A device unknown here';
  return displayName(name, account);
}

export default async function space(main, ctx) {
  const id = ctx.params[0];
  ctx.title('Space');
  const status = statusLine('space-status');
  const title = h('span', { dataset: { testid: 'space-name' }, text: 'Space' });
  const readers = h('p', { class: 'readers', dataset: { testid: 'space-readers' } });
  const waiting = h('p', { class: 'status notice', role: 'status', dataset: { testid: 'space-waiting' }, hidden: true });
  const list = h('ol', { class: 'messages', dataset: { testid: 'space-messages' }, 'aria-label': 'Messages' });
  const olderBtn = olderButton('space-older', list, status, () => pager, () => {
    shownMsgs = JSON.stringify(pager);
    drawMessages(view, pager.items);
  });

  // The box to write.
  const composer = makeSealedComposer({
    prefix: 'space', label: 'Write to the space', maxlength: 16000,
    send: async (t, replyTo) => {
      await api.spacePost(id, t, replyTo);
      ctx.announce('Message sent.');
    },
    failText: (err) => (err.code === 'space_waiting' ? 'Not sent: ' + errorText(err) : errorText(err)),
    sent: async () => {
      await load();
      const last = list.lastElementChild;
      if (last && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
    },
  });
  const compose = composer.form;

  // The members panel.
  const membersHeading = h('h2', { id: 'members-heading', text: 'Members' });
  const members = h('ul', { class: 'members', dataset: { testid: 'space-members' }, 'aria-labelledby': 'members-heading' });
  const memberStatus = statusLine('space-member-status');
  const addPerson = h('select', { id: 'space-add-person', dataset: { testid: 'space-add-person' } });
  const addID = h('input', { id: 'space-add-id', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'acc_…', dataset: { testid: 'space-add-id' } });
  const addRole = h('select', { id: 'space-add-role', dataset: { testid: 'space-add-role' } },
    h('option', { value: 'member', text: 'Member' }), h('option', { value: 'admin', text: 'Admin' }));
  const addBtn = h('button', { type: 'submit', class: 'small', dataset: { testid: 'space-add-submit' }, text: 'Add' });
  const addForm = h('form', { class: 'space-add', dataset: { testid: 'space-add-form' }, hidden: true, 'aria-labelledby': 'add-heading' },
    h('h3', { id: 'add-heading', text: 'Add someone' }),
    h('label', { for: 'space-add-person', text: 'Someone you follow' }), addPerson,
    h('label', { for: 'space-add-id', text: 'or an account id' }), addID,
    h('label', { for: 'space-add-role', text: 'Role' }), addRole,
    h('div', { class: 'row' }, addBtn));
  const leave = h('button', { type: 'button', class: 'secondary small', dataset: { testid: 'space-leave' }, text: 'Leave the space…', hidden: true });
  const leaveBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Leave the space' },
    h('p', { text: 'Leave the space? You will not read anything written after you leave; what you could read stays readable.' }),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'danger small', dataset: { testid: 'space-leave-confirm' }, text: 'Leave', onclick: () => act('You left the space.', () => api.spaceLeave(id)) }),
      h('button', { type: 'button', class: 'secondary small', text: 'Cancel', onclick: () => { leaveBox.hidden = true; } })));
  leave.addEventListener('click', () => { leaveBox.hidden = false; });

  main.append(h('div', { class: 'space-page' },
    h('p', { class: 'muted small' }, h('a', { href: '#/spaces', text: '← Spaces' })),
    h('h1', { tabindex: '-1' }, lockIcon('Sealed space'), ' ', title),
    readers,
    status,
    h('div', { class: 'space-layout' },
      h('section', { class: 'chat', 'aria-label': 'Messages' }, waiting, olderBtn, list, compose),
      h('aside', { class: 'card members-panel', 'aria-labelledby': 'members-heading' },
        membersHeading, members, memberStatus, addForm, leave, leaveBox))));

  let view = null;
  let shownView = null;
  let shownMsgs = null;
  const pager = makePager(async (before) => {
    const m = await api.spaceMessages(id, PAGE, before);
    return { items: m.messages || [], earlier: m.earlier, older: m.older };
  });

  // act runs one membership change and reloads.
  async function act(done, fn) {
    memberStatus.set('Saving…');
    try {
      await fn();
      memberStatus.set(done, 'ok');
      ctx.announce(done);
    } catch (err) {
      memberStatus.set(errorText(err), 'error');
    }
    leaveBox.hidden = true;
    await load();
  }

  function drawView(v) {
    ctx.title(v.name);
    title.textContent = v.name;
    title.dir = 'auto';
    const names = v.members.map((m) => (m.me ? 'you' : displayName(m.name, m.account)));
    replace(readers, h('strong', { text: 'Sealed.' }), ' Who can read this: ',
      names.map((n, i) => [i ? ', ' : '', bdi(n)]),
      ` (the devices of its ${plural(v.members.length, 'member')}). Nodes that carry it for them cannot read it.`);
    waiting.hidden = v.can_write;
    if (v.role === 'none') {
      waiting.textContent = 'You are no longer a member: you can read what was sealed while you were, nothing written since.';
    } else if (!v.can_write) {
      waiting.textContent = 'Waiting for a key: ' + v.waiting + '.';
    }
    waiting.dataset.state = v.role === 'none' ? 'not-member' : v.can_write ? 'ready' : 'waiting';
    compose.hidden = v.role === 'none';
    composer.setEnabled(v.can_write);
    composer.setNote(v.can_write ? 'Sealed for the members above before it leaves this device.' : 'You can write once this device holds the key.');
    const admin = v.role === 'admin';
    membersHeading.textContent = `Members (${v.members.length})`;
    replace(members, ...v.members.map((m) => {
      const who = whoName(m.name, m.account, v.me);
      const li = h('li', { class: 'member', dataset: { testid: 'space-member', account: m.account, role: m.role } },
        h('span', { class: 'who' }, h('bdi', { text: who }), m.name && !m.me ? alikeBadge(m.account, m.name) : null,
          h('span', { class: 'badge role', dataset: { role: m.role }, text: m.role === 'admin' ? 'Admin' : 'Member' })),
        h('span', { class: 'muted id small', title: m.account, text: shortId(m.account) }));
      if (admin && !m.me) {
        const confirm = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Remove ' + who },
          h('p', {}, 'Remove ', bdi(who), '? A new key starts: they will not read anything written from now on. What they could read stays readable.'),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'danger small', dataset: { testid: 'space-remove-confirm' }, text: 'Remove', onclick: () => act(`${who} was removed.`, () => api.spaceRemove(id, m.account)) }),
            h('button', { type: 'button', class: 'secondary small', text: 'Cancel', onclick: () => { confirm.hidden = true; } })));
        li.append(h('div', { class: 'row member-actions' },
          h('button', {
            type: 'button', class: 'secondary small', dataset: { testid: 'space-member-role' },
            text: m.role === 'admin' ? 'Make member' : 'Make admin',
            onclick: () => act(`${who} is now ${m.role === 'admin' ? 'a member' : 'an admin'}.`, () => api.spaceRole(id, m.account, m.role === 'admin' ? 'member' : 'admin')),
          }),
          h('button', { type: 'button', class: 'secondary small', dataset: { testid: 'space-member-remove' }, text: 'Remove…', onclick: () => { confirm.hidden = false; } })),
        confirm);
      }
      return li;
    }));
    addForm.hidden = !admin;
    leave.hidden = v.role === 'none';
  }

  function drawMessages(v, ms) {
    const byID = new Map(ms.map((m) => [m.id, m]));
    if (!ms.length) {
      const waitingKey = v.role !== 'none' && !v.can_write;
      replace(list, h('li', { class: 'empty', dataset: { testid: 'space-empty' }, text: waitingKey ? 'Messages arrive once this device holds the key.' : 'No messages yet.' }));
      return;
    }
    replace(list, ...ms.map((m) => {
      const author = whoName(m.name, m.account, v.me);
      const readable = m.status === 'readable';
      const head = h('p', { class: 'message-head small' },
        h('bdi', { class: 'author', dataset: { testid: 'space-message-author' }, text: author }),
        m.name && !m.mine ? alikeBadge(m.account, m.name) : null,
        m.removed ? h('span', { class: 'badge warn', text: 'removed since' }) : null,
        readable && m.time ? [' · ', timeEl(m.time)] : null,
        ' ', lockIcon('Sealed: readable by the devices of the space’s members when it was written'));
      const li = h('li', { class: 'message' + (m.mine ? ' mine' : '') + (readable ? '' : ' unreadable'), dataset: { testid: 'space-message', id: m.id, status: m.status, mine: String(!!m.mine) } }, head);
      if (!readable) {
        li.append(h('p', { class: 'sealed-text', dataset: { testid: 'space-message-sealed' } }, lockIcon(), ' ', unreadable[m.status] || m.status),
          h('p', { class: 'muted small', text: m.detail || '' }));
        return li;
      }
      if (m.reply) {
        const r = byID.get(m.reply);
        li.append(h('p', { class: 'quote small', dataset: { testid: 'space-message-reply' } },
          'Reply to ', r ? [bdi(whoName(r.name, r.account, v.me)), ': ', r.status === 'readable' ? h('span', { ptext: r.text.length > 80 ? r.text.slice(0, 80) + '…' : r.text }) : 'a sealed message']
            : pager.earlier ? 'an earlier message (Show older)' : 'a message that has not arrived here'));
      }
      li.append(h('p', { class: 'message-text', dataset: { testid: 'space-message-text' }, ptext: m.text }));
      if (v.can_write) {
        li.append(h('button', {
          type: 'button', class: 'secondary small', dataset: { testid: 'space-message-reply-button' }, text: 'Reply',
          onclick: () => composer.replyTo(author, m.id),
        }));
      }
      return li;
    }));
  }

  async function loadChoices(v) {
    if (v.role !== 'admin') return;
    try {
      const f = await api.follows();
      const inSpace = new Set(v.members.map((m) => m.account));
      const cands = (f.following || []).filter((a) => !inSpace.has(a.account));
      replace(addPerson, h('option', { value: '', text: cands.length ? 'Choose…' : 'Everyone you follow is in' }),
        cands.map((a) => h('option', { value: a.account, text: displayName(a.profile && a.profile.name, a.account) })));
    } catch (err) {
      memberStatus.set(errorText(err), 'error');
    }
  }

  async function load() {
    try {
      const [v] = await Promise.all([api.space(id), pager.reload()]);
      if (!ctx.alive()) return;
      const vt = JSON.stringify(v);
      const mt = JSON.stringify(pager);
      if (vt !== shownView) {
        shownView = vt;
        view = v;
        drawView(v);
        loadChoices(v);
        shownMsgs = null; // who is "you" and who may reply can change
      }
      if (mt !== shownMsgs) {
        shownMsgs = mt;
        drawMessages(view, pager.items);
        olderBtn.update();
      }
    } catch (err) {
      if (err.code === 'not_found') {
        status.set('This space is not held here (yet): its entries arrive from a member’s device.', 'error');
      } else {
        status.set(errorText(err), 'error');
      }
    }
  }

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const account = addID.value.trim() || addPerson.value;
    if (!/^acc_[a-z0-9]+$/.test(account)) {
      memberStatus.set(account ? `“${account}” is not an account id: they start with acc_.` : 'Choose someone you follow, or give an account id.', 'error');
      return;
    }
    const label = addPerson.value === account ? addPerson.selectedOptions[0].textContent : shortId(account);
    addID.value = '';
    await act(`${label} was added.`, () => api.spaceAdd(id, account, addRole.value));
  });

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  };
  ctx.on('space', (d) => {
    if (d.space === id) later();
  });
  // Membership and key entries arrive typed space.… or sealed (type null).
  ctx.on('entry', (e) => {
    if (e.type === null || (typeof e.type === 'string' && (e.type.startsWith('space.') || e.type === 'seal.key'))) later();
  });
  ctx.on('resync', load);
  await load();
}
