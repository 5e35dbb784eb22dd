// pages/peers.js: the peers connected and how far sync is, live from the
// event stream's "peers" and "sync" events; where your data is held
// ("Your data", copies.js).
import { h, replace, shortId, statusLine, errorText, timeEl, plural } from '../dom.js';
import { api } from '../api.js';
import { nameOf } from '../names.js';
import { alikeBadge, cleanName } from '../peertext.js';
import { drawCopies } from '../copies.js';
import { onlineSection } from './online.js';

const phases = {
  hello: 'Saying hello',
  reconciling: 'Comparing what each side holds',
  'catching-up': 'Catching up',
  live: 'Up to date, receiving live',
};

function progress(received, expected, label) {
  const max = Math.max(expected, received, 1);
  return h('progress', { max, value: Math.min(received, max), 'aria-label': label, dataset: { testid: 'sync-progress' } },
    `${received} of ${expected}`);
}

function dl(rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

export default async function peers(main, ctx) {
  ctx.title('Peers & sync');
  const status = statusLine('peers-status');
  const totals = h('section', { class: 'card', dataset: { testid: 'sync-totals' }, 'aria-labelledby': 'totals-heading' });
  const copies = h('section', { class: 'card', dataset: { testid: 'copies' }, 'aria-labelledby': 'copies-heading', hidden: true });
  const list = h('ul', { class: 'peers', dataset: { testid: 'peers-list' }, 'aria-labelledby': 'peers-heading' });
  const peersHeading = h('h2', { id: 'peers-heading', text: 'Connected peers' });
  const addrIn = h('input', { id: 'peer-addr', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '/ip4/192.0.2.7/tcp/7696/p2p/12D3Koo…', dataset: { testid: 'peer-addr' } });
  const addBtn = h('button', { type: 'submit', dataset: { testid: 'peer-add' }, text: 'Connect' });
  const addStatus = statusLine('peer-add-status');
  const addForm = h('form', { class: 'inline-form' },
    h('label', { for: 'peer-addr', text: 'Peer address' }),
    h('div', { class: 'row' }, addrIn, addBtn), addStatus);
  let status_ = null;
  const online = onlineSection(ctx, list); // marks the peers online; its section is the people page's

  main.append(
    h('h1', { tabindex: '-1', text: 'Peers & sync' }),
    status,
    copies,
    totals,
    h('section', { 'aria-labelledby': 'peers-heading' }, peersHeading, list),
    h('section', { 'aria-labelledby': 'add-heading' },
      h('h2', { id: 'add-heading', text: 'Connect to a peer' }),
      h('p', { class: 'muted' }, 'Peers on the same network are found by themselves. To reach one elsewhere, paste an address it lists under “This node’s addresses”. Usually an ', h('a', { href: '#/invite', text: 'invite' }), ' is simpler.'),
      addForm),
  );

  function drawTotals() {
    const s = status_;
    if (!s) return;
    const sync = s.sync || {};
    const blobs = s.blobs || {};
    replace(totals,
      h('h2', { id: 'totals-heading', text: 'Totals' }),
      dl([
        ['Network', s.serving ? 'running' : 'not running (start it with “kith serve”)'],
        ['Connected peers', String(s.peers)],
        ['Logs held', String(s.logs)],
        ['Entries held', String(s.entries)],
        ['Sync sessions', `${sync.caught_up || 0} of ${sync.sessions || 0} caught up`],
        ['Entries received', [progress(sync.entries_received || 0, sync.entries_expected || 0, 'Entries received of all expected'), ` ${sync.entries_received || 0} of ${sync.entries_expected || 0}`]],
        ['Entries sent', String(sync.entries_sent || 0)],
        ['Images and files', `${blobs.pending || 0} waiting, ${blobs.fetched || 0} fetched, ${blobs.served || 0} sent, ${blobs.failed || 0} failed`],
      ]),
      h('h3', { text: 'This node’s addresses' }),
      (s.addrs || []).length
        ? h('ul', { class: 'addrs', dataset: { testid: 'addrs' } }, s.addrs.map((a) => h('li', {}, h('code', { text: a }))))
        : h('p', { class: 'muted', text: 'None: the network is not running.' }));
  }

  function drawPeers(pl) {
    const ps = (pl && pl.peers) || [];
    peersHeading.textContent = `Connected peers (${ps.length})`;
    if (!ps.length) {
      replace(list, h('li', { class: 'empty', text: 'No peer is connected right now.' }));
      return;
    }
    replace(list, ...ps.map((p) => {
      // By name: the account's profile name, else its device's, else a
      // short id (the ids are under it).
      const who = h('a', { href: p.account ? '#/account/' + p.account : null, ptext: p.account ? cleanName(p.name) || cleanName(p.device_name) || shortId(p.account) : 'Account not known yet' });
      const alike = p.name ? alikeBadge(p.account, p.name) : h('span');
      if (p.account && !p.name) nameOf(p.account).then((n) => { if (cleanName(n)) { who.textContent = cleanName(n); alike.replaceWith(alikeBadge(p.account, n)); } });
      const s = p.sync;
      return h('li', { class: 'peer card', dataset: { testid: 'peer', device: p.device } },
        h('h3', {}, p.account ? [who, alike] : h('span', { ptext: cleanName(p.device_name) || 'Device ' + shortId(p.device) })),
        dl([
          ['Device', p.device_name ? [h('bdi', { dir: 'auto', dataset: { testid: 'peer-device-name' }, text: p.device_name }), ' ', h('code', { class: 'id', text: p.device })] : h('code', { class: 'id', text: p.device })],
          ['Account', p.account ? h('code', { class: 'id', text: p.account }) : 'not known yet'],
          ['Address', h('code', { class: 'id', ptext: p.addr })],
          ['Transport', `${p.transport}, ${p.outbound ? 'this node dialled' : 'it dialled this node'}`],
          ['Latency', p.latency_ms === null || p.latency_ms === undefined ? 'not measured yet' : `${Math.round(p.latency_ms * 10) / 10} ms`],
          ['Connected', timeEl(Date.parse(p.since))],
          ['Sync', s ? h('span', { dataset: { testid: 'peer-phase', phase: s.phase } , text: phases[s.phase] || s.phase }) : 'no session'],
          s ? ['Received', [progress(s.entries_received, s.entries_expected, 'Entries received from this peer'), ` ${s.entries_received} of ${s.entries_expected} entries`]] : null,
          s ? ['Sent', plural(s.entries_sent, 'entry', 'entries')] : null,
          s && s.forks ? ['Forks found', String(s.forks)] : null,
        ]));
    }));
    online.load();
  }

  async function load() {
    try {
      status_ = await api.status();
      drawTotals();
      drawCopies(copies, status_.copies);
      status.set('');
    } catch (err) {
      status.set(errorText(err), 'error');
    }
    try {
      drawPeers(await api.peers());
    } catch (err) {
      if (err.code === 'not_serving') {
        peersHeading.textContent = 'Connected peers';
        replace(list, h('li', { class: 'empty', text: 'The network is not running, so no peer can connect.' }));
      } else {
        status.set(errorText(err), 'error');
      }
    }
  }

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const addr = addrIn.value.trim();
    if (!addr) {
      addStatus.set('Paste the peer’s address first.', 'error');
      addrIn.focus();
      return;
    }
    addBtn.disabled = true;
    addStatus.set('Connecting… this can take up to a minute.');
    try {
      const p = await api.addPeer(addr);
      addStatus.set(`Connected to ${cleanName(p.name) || cleanName(p.device_name) || shortId(p.device)}; it stays connected, also after restarts.`, 'ok');
      addrIn.value = '';
      load();
    } catch (err) {
      addStatus.set(errorText(err), 'error');
    } finally {
      addBtn.disabled = false;
    }
  });

  // Copies change with new entries and with what the account's devices
  // tell in sync (the node sends a "peers" event then): read them again at
  // most once a second, one request at a time.
  let copiesTimer = null;
  function reloadCopies() {
    if (copiesTimer) return;
    copiesTimer = setTimeout(async () => {
      try {
        const s = await api.status();
        if (status_) status_.copies = s.copies;
        drawCopies(copies, s.copies);
      } catch (err) {
        // the next event or load tries again
      } finally {
        copiesTimer = null;
      }
    }, 1000);
  }
  ctx.on('entry', reloadCopies);
  ctx.on('peers', (pl) => {
    drawPeers(pl);
    if (status_) {
      status_.peers = ((pl && pl.peers) || []).length;
      drawTotals();
    }
    reloadCopies();
  });
  ctx.on('sync', (totalsNow) => {
    if (status_) {
      status_.sync = totalsNow;
      drawTotals();
    }
  });
  ctx.on('resync', load);
  await load();
}
