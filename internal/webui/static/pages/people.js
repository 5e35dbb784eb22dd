// pages/people.js: the accounts followed and blocked, and a field to open
// any account by its id.
import { h, replace, displayName, statusLine, errorText, copyText } from '../dom.js';
import { api, blobURL } from '../api.js';
import { alikeBadge, iso } from '../peertext.js';
import { onlineSection } from './online.js';

export default async function people(main, ctx) {
  ctx.title('People');
  const status = statusLine('people-status');
  const following = h('ul', { class: 'people', dataset: { testid: 'following-list' }, 'aria-labelledby': 'following-heading' });
  const blocked = h('ul', { class: 'people', dataset: { testid: 'blocked-list' }, 'aria-labelledby': 'blocked-heading' });
  const followingHeading = h('h2', { id: 'following-heading', text: 'Following' });
  const blockedHeading = h('h2', { id: 'blocked-heading', text: 'Blocked' });

  const accIn = h('input', { id: 'open-acc', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'acc_…', dataset: { testid: 'open-account' } });
  const openStatus = statusLine('open-account-status');
  const openForm = h('form', { class: 'inline-form', dataset: { testid: 'open-account-form' } },
    h('label', { for: 'open-acc', text: 'Account id' }),
    h('div', { class: 'row' }, accIn, h('button', { type: 'submit', dataset: { testid: 'open-account-submit' }, text: 'Open' })),
    openStatus);
  openForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = accIn.value.trim().toLowerCase();
    if (!/^acc_[a-z0-9]+$/.test(v)) {
      openStatus.set('An account id starts with acc_, for example acc_3f7a…: ask the person for theirs (it is on their profile page).', 'error');
      accIn.focus();
      return;
    }
    location.hash = '#/account/' + v;
  });

  const online = onlineSection(ctx, main);
  const myId = h('code', { class: 'id', dataset: { testid: 'my-account' }, text: ctx.me.account });

  main.append(
    h('h1', { tabindex: '-1', text: 'People' }),
    status,
    h('section', { 'aria-labelledby': 'open-heading' },
      h('h2', { id: 'open-heading', text: 'Find someone' }),
      h('p', {}, 'Open anyone’s profile with their account id. Yours is ', myId, ' ',
        h('button', {
          type: 'button', class: 'secondary small', 'aria-label': 'Copy your account id',
          onclick: async () => status.set(await copyText(ctx.me.account) ? 'Your account id was copied.' : 'Copying failed: select the id and copy it.', 'ok'),
          text: 'Copy',
        }), '. To connect with someone new, use an ', h('a', { href: '#/invite', text: 'invite' }), '.'),
      openForm),
    online.section,
    h('section', { 'aria-labelledby': 'following-heading' }, followingHeading, following),
    h('section', { 'aria-labelledby': 'blocked-heading' }, blockedHeading, blocked),
  );

  function person(a, button) {
    const p = a.profile || {};
    const name = iso(displayName(p.name, a.account));
    return h('li', { class: 'person', dataset: { testid: 'person', account: a.account } },
      p.image ? h('img', { class: 'avatar', src: blobURL(p.image), alt: '', width: 40, height: 40, loading: 'lazy' }) : h('span', { class: 'avatar none', 'aria-hidden': 'true', text: [...displayName(p.name, '')].slice(0, 1).join('').toUpperCase() }),
      h('div', { class: 'who' },
        h('a', { href: '#/account/' + a.account, ptext: displayName(p.name, a.account) }),
        alikeBadge(a.account, p.name),
        a.follows_me ? h('span', { class: 'badge', text: 'Follows you' }) : null,
        h('div', { class: 'muted id', text: a.account })),
      button(name));
  }

  async function load() {
    try {
      const f = await api.follows();
      const fl = f.following || [];
      const bl = f.blocked || [];
      followingHeading.textContent = `Following (${fl.length})`;
      blockedHeading.textContent = `Blocked (${bl.length})`;
      replace(following, ...(fl.length ? fl.map((a) => person(a, (name) => h('button', {
        type: 'button', class: 'secondary small', 'aria-label': 'Unfollow ' + name, dataset: { testid: 'unfollow-button' },
        onclick: () => change(() => api.follow(a.account, false), `You no longer follow ${name}.`), text: 'Unfollow',
      }))) : [h('li', { class: 'empty' }, 'You follow nobody yet. ', h('a', { href: '#/invite', text: 'Invite someone or join with their code' }), '.')]));
      replace(blocked, ...(bl.length ? bl.map((a) => person(a, (name) => h('button', {
        type: 'button', class: 'secondary small', 'aria-label': 'Unblock ' + name, dataset: { testid: 'unblock-button' },
        onclick: () => change(() => api.block(a.account, false), `You unblocked ${name}.`), text: 'Unblock',
      }))) : [h('li', { class: 'empty', text: 'You blocked nobody.' })]));
      online.load();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  async function change(fn, done) {
    try {
      await fn();
      status.set(done, 'ok');
      await load();
      // The button pressed is gone: go on from the list's heading.
      followingHeading.setAttribute('tabindex', '-1');
      followingHeading.focus();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  ctx.on('entry', (e) => {
    if (e.local && (e.type === 'follow' || e.type === 'block')) load();
  });
  ctx.on('resync', load);
  await load();
}
