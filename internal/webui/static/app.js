// app.js: kith's web interface: start-up (sign-in, first-run setup), the
// header, and the pages, routed by the URL's fragment (#/…).
//
// Test hooks: the data-testid attributes are listed in ../README.md; keep
// that table in step when adding or renaming one.
import { h, replace, displayName, refreshTimes } from './dom.js';
import { api, hooks } from './api.js';
import * as events from './events.js';
import { forget } from './names.js';
import { seeName } from './peertext.js';
import { unreadCount, onSeen } from './unread.js';
import timeline from './pages/timeline.js';
import thread from './pages/thread.js';
import profile from './pages/profile.js';
import people from './pages/people.js';
import peers from './pages/peers.js';
import hub from './pages/hub.js';
import devices from './pages/devices.js';
import invite from './pages/invite.js';
import devicePair from './pages/devicepair.js';
import villages from './pages/villages.js';
import village from './pages/village.js';
import chain from './pages/chain.js';
import spaces from './pages/spaces.js';
import space from './pages/space.js';
import messages from './pages/messages.js';
import conversation from './pages/conversation.js';
import decisions from './pages/decisions.js';
import festivals from './pages/festivals.js';
import festival from './pages/festival.js';
import decision from './pages/decision.js';
import requests from './pages/requests.js';
import onboarding from './pages/onboarding.js';
import signin from './pages/signin.js';
import pictures from './pages/pictures.js';
import { collections, collection } from './pages/collections.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const meEl = document.getElementById('me');
const connEl = document.getElementById('connection');
const announcer = document.getElementById('announce');
const revokedEl = document.getElementById('revoked');
const navInbox = h('span', { class: 'nav-count', dataset: { testid: 'nav-villages-inbox' }, hidden: true });
nav.querySelector('[data-testid=nav-villages]').append(navInbox);
const navUnread = h('span', { class: 'nav-count', dataset: { testid: 'nav-messages-unread' }, hidden: true });
nav.querySelector('[data-testid=nav-messages]').append(navUnread);
const moreButton = document.getElementById('nav-more');
const moreMenu = document.getElementById('nav-more-menu');

// The "More" menu of the header: the rarer pages. It closes on a choice,
// on Escape (focus back on its button) and on a click elsewhere.
function setMore(open) {
  moreMenu.hidden = !open;
  moreButton.setAttribute('aria-expanded', String(open));
}
moreButton.addEventListener('click', () => {
  const open = moreMenu.hidden;
  setMore(open);
  if (open) moreMenu.querySelector('a').focus();
});
moreMenu.addEventListener('click', (e) => {
  if (e.target.closest('a')) setMore(false);
});
nav.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !moreMenu.hidden) {
    setMore(false);
    moreButton.focus();
  }
});
document.addEventListener('click', (e) => {
  if (!moreMenu.hidden && !e.target.closest('.nav-more')) setMore(false);
});

// markNav marks the link of the current page (aria-current), and the More
// button when that link is in its menu: its text then names the page, so
// a phone shows where one is.
function markNav(navId) {
  let inMore = null;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.testid === navId) {
      a.setAttribute('aria-current', 'page');
      if (moreMenu.contains(a)) inMore = a;
    } else {
      a.removeAttribute('aria-current');
    }
  }
  moreButton.classList.toggle('current', !!inMore);
  moreButton.textContent = inMore ? inMore.textContent : 'More';
  moreButton.setAttribute('aria-label', inMore ? `More pages (now: ${inMore.textContent})` : 'More pages');
  setMore(false);
}

// mode: "starting", "signin", "setup" or "app".
let mode = 'starting';
const me = { account: '', device: '', name: '', image: '' };

// announce says text to screen readers (and nothing visible).
function announce(text) {
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

function drawMe() {
  meEl.dataset.account = me.account;
  meEl.title = me.account;
  // Without a profile name: a link to write one, not the account's id
  // (which stays in the title and on the profile page).
  replace(meEl, me.account ? h('a', { href: '#/account/' + me.account, class: me.name ? null : 'no-name', ptext: me.name ? displayName(me.name, me.account) : 'Add your name' }) : '');
  // Your own name counts among the names seen: another account named like
  // you is marked wherever it shows.
  if (me.account) seeName(me.account, me.name);
}

const connText = { up: 'Live', connecting: 'Connecting…', down: 'Offline' };
function drawConnection(state) {
  connEl.dataset.state = state;
  connEl.textContent = connText[state] || state;
  connEl.title = state === 'up' ? 'Receiving updates from the node as they happen' : 'Not receiving live updates from the node';
}

// refreshInbox counts the strangers waiting in the inboxes of the villages
// you are a local of, shown by the Villages link.
let inboxTimer = null;
async function refreshInbox() {
  if (mode !== 'app') return;
  let n = 0;
  try {
    n = ((await api.villages()).villages || []).reduce((sum, v) => sum + (v.inbox || 0), 0);
  } catch {
    return; // the pages say what went wrong
  }
  navInbox.hidden = !n;
  navInbox.dataset.count = String(n);
  replace(navInbox, String(n), h('span', { class: 'visually-hidden', text: n === 1 ? ' stranger waiting in an inbox' : ' strangers waiting in inboxes' }));
}
function inboxChanged() {
  clearTimeout(inboxTimer);
  inboxTimer = setTimeout(refreshInbox, 400);
}

// drawUnread shows by the Messages link how many conversations have a
// message not seen in this browser (unread.js).
function drawUnread(cs) {
  const n = unreadCount(cs);
  navUnread.hidden = !n;
  navUnread.dataset.count = String(n);
  replace(navUnread, String(n), h('span', { class: 'visually-hidden', text: n === 1 ? ' conversation with a new message' : ' conversations with new messages' }));
}
// refreshUnread reads the conversations again: on a message event only,
// since reading them publishes the device's encryption key the first time
// (doc/api.md "Messages"), which opening the app alone must not do.
let unreadTimer = null;
let lastConversations = [];
function refreshUnread() {
  clearTimeout(unreadTimer);
  unreadTimer = setTimeout(async () => {
    if (mode !== 'app') return;
    try {
      lastConversations = (await api.conversations()).conversations || [];
    } catch {
      return;
    }
    drawUnread(lastConversations);
  }, 400);
}

// refreshRevoked shows the banner of a device its account revoked: it can
// no longer write, and the banner says what to do.
async function refreshRevoked() {
  if (mode !== 'app') return;
  let st;
  try {
    st = await api.status();
  } catch {
    return;
  }
  const r = st && st.revoked;
  revokedEl.hidden = !r;
  revokedEl.textContent = r
    ? 'Your account revoked this device' + (r.reason ? ` (“${r.reason}”)` : '') + '. It can no longer post or change anything; what it wrote before stays. ' +
      'To use kith on this machine again, start afresh: pair it from a device of yours (Add a device there), or restore your account with its recovery phrase.'
    : '';
}

// Routes: a pattern of the fragment's path and the page drawing it.
const routes = [
  [/^\/?$/, timeline, 'nav-timeline'],
  [/^\/thread\/([^/]+)$/, thread, 'nav-timeline'],
  [/^\/account\/([^/]+)$/, profile, null],
  [/^\/people$/, people, 'nav-people'],
  [/^\/peers$/, peers, 'nav-peers'],
  [/^\/hub$/, hub, 'nav-hub'],
  [/^\/devices$/, devices, 'nav-devices'],
  [/^\/invite$/, invite, 'nav-invite'],
  [/^\/devices\/pair$/, devicePair, 'nav-devices'],
  [/^\/villages$/, villages, 'nav-villages'],
  [/^\/village\/([^/]+)$/, village, 'nav-villages'],
  [/^\/village\/([^/]+)\/chain\/([^/]+)$/, chain, 'nav-villages'],
  [/^\/spaces$/, spaces, 'nav-spaces'],
  [/^\/space\/([^/]+)$/, space, 'nav-spaces'],
  [/^\/messages$/, messages, 'nav-messages'],
  [/^\/conversation\/([^/]+)$/, conversation, 'nav-messages'],
  [/^\/decisions$/, decisions, 'nav-decisions'],
  [/^\/decision\/([^/]+)$/, decision, 'nav-decisions'],
  [/^\/requests$/, requests, 'nav-requests'],
  [/^\/festivals$/, festivals, 'nav-festivals'],
  [/^\/festival\/([^/]+)$/, festival, 'nav-festivals'],
  [/^\/pictures$/, pictures, 'nav-pictures'],
  [/^\/collections$/, collections, 'nav-pictures'],
  [/^\/collection\/([^/]+)$/, collection, 'nav-pictures'],
];

let cleanups = [];
let renderSerial = 0;
let firstRender = true;

function notFound(m, ctx) {
  ctx.title('Not found');
  m.append(h('h1', { tabindex: '-1', text: 'No such page' }), h('p', {}, h('a', { href: '#/', text: 'Go to the timeline' })));
}

async function route() {
  if (mode !== 'app') return;
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return; // an in-page anchor
  const [path, q = ''] = hash.slice(1).split('?');
  if (path === '/me') {
    history.replaceState(null, '', '#/account/' + me.account);
    return route();
  }
  for (const c of cleanups) c();
  cleanups = [];
  const serial = ++renderSerial;
  let page = notFound;
  let params = [];
  let navId = null;
  for (const [re, p, n] of routes) {
    const m = re.exec(path);
    if (m) {
      page = p;
      params = m.slice(1).map(decodeURIComponent);
      navId = n;
      break;
    }
  }
  if (page === profile && params[0] === me.account) navId = 'nav-profile';
  markNav(navId);
  const ctx = {
    me,
    params,
    query: new URLSearchParams(q),
    announce,
    unread: (cs) => {
      lastConversations = cs;
      drawUnread(cs);
    },
    alive: () => serial === renderSerial,
    title: (t) => {
      document.title = `${t} · kith`;
    },
    on: (name, fn) => {
      const off = events.on(name, (d) => {
        if (serial === renderSerial) fn(d);
      });
      cleanups.push(off);
      return off;
    },
    setMe: (fields) => {
      Object.assign(me, fields);
      drawMe();
    },
  };
  main.replaceChildren();
  const wasFirst = firstRender;
  firstRender = false;
  try {
    await page(main, ctx);
  } catch (err) {
    console.error(err);
    if (serial === renderSerial && mode === 'app') {
      main.append(h('p', { class: 'status error', role: 'alert', text: err.message || String(err) }));
    }
  }
  // After a navigation, start reading at the new page's heading.
  if (!wasFirst && serial === renderSerial && !main.contains(document.activeElement)) {
    const h1 = main.querySelector('h1');
    if (h1) h1.focus();
  }
}

function leaveApp() {
  for (const c of cleanups) c();
  cleanups = [];
  renderSerial++;
  nav.hidden = true;
}

function showSignin() {
  if (mode === 'signin') return;
  mode = 'signin';
  // Nothing is live before sign-in: no "Offline" that reads as an error.
  connEl.hidden = true;
  leaveApp();
  events.disconnect();
  signin(main);
}

function showSetup() {
  if (mode === 'setup') return;
  mode = 'setup';
  // Nothing is live during set-up: no "Offline" that reads as an error.
  connEl.hidden = true;
  leaveApp();
  events.disconnect();
  onboarding(main, () => {
    mode = 'starting';
    startApp();
  });
}

async function startApp() {
  let id;
  try {
    id = await api.identity();
  } catch (err) {
    if (mode === 'starting') {
      replace(main, h('h1', { tabindex: '-1', text: 'kith' }), h('p', { class: 'status error', role: 'alert', text: err.message }),
        h('button', { type: 'button', onclick: () => location.reload(), text: 'Try again' }));
    }
    return;
  }
  me.account = id.account;
  me.device = id.device;
  try {
    const p = (await api.account(me.account)).profile;
    me.name = (p && p.name) || '';
    me.image = (p && p.image) || '';
  } catch {
    // Shown without a name; the next profile event fills it in.
  }
  drawMe();
  mode = 'app';
  nav.hidden = false;
  connEl.hidden = false;
  events.connect(async () => {
    // The browser gave up on the stream: signed out, or the node is gone.
    try {
      await api.identity();
    } catch {
      // api.js's hooks show the sign-in or setup page when that is why.
    }
  });
  route();
  refreshInbox();
  refreshRevoked();
}

async function boot() {
  hooks.unauthorized = showSignin;
  hooks.notInitialized = showSetup;
  events.on('connection', ({ state }) => {
    drawConnection(state);
    if (state === 'down' && mode === 'app') announce('Live updates stopped: the node does not answer.');
  });
  events.on('hello', (d) => {
    if (d && d.initialized === false) showSetup();
  });
  events.on('message', refreshUnread);
  onSeen(() => drawUnread(lastConversations));
  events.on('resync', () => {
    if (mode === 'app') {
      inboxChanged();
      refreshRevoked();
    }
  });
  events.on('entry', (e) => {
    if (mode === 'app' && typeof e.type === 'string' && e.type.startsWith('village.')) inboxChanged();
    if (e.type === 'device.revoke') refreshRevoked();
    if (e.type === 'profile' && e.account) {
      forget(e.account);
      // Also when written here: the CLI writes through this node too.
      if (e.account === me.account) {
        api.account(me.account).then((a) => {
          me.name = (a.profile && a.profile.name) || '';
          drawMe();
        }, () => {});
      }
    }
  });
  window.addEventListener('hashchange', route);
  document.getElementById('skip').addEventListener('click', (e) => {
    e.preventDefault();
    const h1 = main.querySelector('h1');
    (h1 || main).focus();
  });
  setInterval(() => refreshTimes(main), 60000);
  drawConnection('down');

  let setup = { initialized: true };
  try {
    setup = await api.setup();
  } catch (err) {
    if (err.status === 401) return; // the hook shows the sign-in page
    // A node without the setup endpoint has an account.
    if (err.status !== 404 && err.status !== 405) {
      replace(main, h('h1', { tabindex: '-1', text: 'kith' }), h('p', { class: 'status error', role: 'alert', text: err.message }),
        h('button', { type: 'button', onclick: () => location.reload(), text: 'Try again' }));
      return;
    }
  }
  if (!setup.initialized) showSetup();
  else startApp();
}

boot();
