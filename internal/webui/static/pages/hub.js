// pages/hub.js: the hub operator's page: what this node serves others and
// to whom, within which limits, who is connected now and what its
// services did, refused and let expire (GET /api/v1/hub/report). Read
// again every 5 s while shown, and when peers come or go.
import { h, replace, statusLine, errorText } from '../dom.js';
import { request } from '../api.js';

const serveText = {
  everyone: 'everyone it has not blocked',
  locals: 'the locals of the villages this node takes part in',
  accounts: 'only the accounts listed below',
};

const serviceText = {
  relay: 'relay (reach peers behind NAT through this hub)',
  heads: 'head tracking (tell peers how far the logs it holds go)',
  presence: 'presence (who is online, and short messages between them)',
  dropbox: 'dropbox (letters from people the recipient does not follow yet)',
  lease: 'data leases (keep accounts’ logs while they are offline)',
};

const reasonText = {
  not_served: 'not served (an account this hub does not serve)',
  too_many: 'over the limit of logs a request',
  busy: 'busy (strangers’ budget spent)',
  limit: 'a limit reached',
  no_slot: 'the peer asked for holds no slot',
  failed: 'the connection failed',
  malformed: 'malformed request',
  strangers_full: 'strangers hold all their connections',
};

function num(n) {
  return Number(n || 0).toLocaleString('en');
}

function bytes(n) {
  n = Number(n || 0);
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function dl(testid, rows) {
  return h('dl', { class: 'facts', dataset: { testid } }, rows.filter(Boolean).map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

// counts draws a list of counters as a table, or says there are none.
function counts(testid, list, what, none, words) {
  if (!list || !list.length || list.every((c) => !c.n)) return h('p', { class: 'muted', dataset: { testid }, text: none });
  return h('table', { class: 'counts', dataset: { testid } },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Service' }), h('th', { scope: 'col', text: what }), h('th', { scope: 'col', text: 'Count' }))),
    h('tbody', {}, list.filter((c) => c.n).map((c) => h('tr', { dataset: { service: c.service, what: c.what } },
      h('td', { text: c.service.replace(/_/g, ' ') }),
      h('td', { text: (words && words[c.what]) || c.what.replace(/_/g, ' ') }),
      h('td', { class: 'num', text: num(c.n) })))));
}

export default async function hub(main, ctx) {
  ctx.title('Hub');
  const status = statusLine('hub-status');
  const body = h('div', { dataset: { testid: 'hub-report' } });
  main.append(h('h1', { tabindex: '-1', text: 'Hub' }), status, body);

  function draw(r) {
    const l = r.limits || {};
    const p = r.peers || {};
    const s = r.sync || {};
    const relay = r.relay || {};
    const st = r.strangers || {};
    const conns = st.connections || {};
    const sessions = st.sessions || {};
    const requests = st.requests || {};
    const intro = !r.serving
      ? h('p', { class: 'notice', dataset: { testid: 'hub-off' }, text: 'The network is not running: this node serves no one now. Start it with “kith serve”.' })
      : !r.hub
        ? h('p', { class: 'notice', dataset: { testid: 'hub-off' } }, 'This node is not a hub: it relays for no one and tracks heads for no one. To serve others, start it with “kith serve --hub” or set ', h('code', { text: 'on = true' }), ' under ', h('code', { text: '[hub]' }), ' in config.toml.')
        : h('p', { dataset: { testid: 'hub-on' }, text: `This node is a hub: it serves ${serveText[r.serve] || r.serve}.` });
    replace(body,
      intro,
      h('section', { class: 'card', 'aria-labelledby': 'hub-serves' },
        h('h2', { id: 'hub-serves', text: 'What it serves, to whom' }),
        dl('hub-serves-facts', [
          ['Serves', serveText[r.serve] || r.serve],
          r.serve === 'accounts' ? ['Accounts', (r.accounts || []).length ? h('ul', {}, r.accounts.map((a) => h('li', {}, h('code', { class: 'id', text: a })))) : 'none'] : null,
          ['Services offered', (r.offered || []).length ? h('ul', {}, r.offered.map((o) => h('li', { text: serviceText[o] || o }))) : 'none'],
          ['Metrics', r.metrics_addr ? ['Prometheus, at ', h('code', { text: r.metrics_addr }), ', path ', h('code', { text: '/metrics' })] : 'not served (set metrics_listen in config.toml)'],
        ])),
      h('section', { class: 'card', 'aria-labelledby': 'hub-limits' },
        h('h2', { id: 'hub-limits', text: 'Limits' }),
        dl('hub-limits-facts', [
          ['A relayed connection', `at most ${num(l.relay_minutes)} minutes and ${num(l.relay_mb)} MiB each way`],
          ['Relayed connections of one account', `at most ${num(l.relay_connections)} at once, all its devices together`],
          ['Relay slots', `at most ${num(l.relay_slots)} devices at once`],
          ['Head tracking', `at most ${num(l.heads_logs)} logs a request`],
          ['Strangers’ work', `${num(l.stranger_work)} units a second`],
        ])),
      h('section', { class: 'card', 'aria-labelledby': 'hub-now' },
        h('h2', { id: 'hub-now', text: 'Now' }),
        dl('hub-now-facts', [
          ['Connected peers', `${num(p.in_direct + p.in_relayed + p.out_direct + p.out_relayed)}: ${num(p.in_direct)} dialled in, ${num(p.out_direct)} dialled out, ${num(p.in_relayed + p.out_relayed)} through a relay only`],
          ['Relay slots held here', relay.on ? num(relay.slots) : 'the relay is off'],
          ['Connections relayed through here', relay.on ? num(relay.circuits) : 'the relay is off'],
          ['Sync sessions', `${num(s.sessions)}, ${num(s.live)} up to date`],
          ['Strangers’ connections', `${num(conns.held)} of at most ${num(conns.limit)}`],
          ['Strangers waiting their turn', `${num(sessions.waiting)} for a session, ${num(requests.waiting)} for a village request`],
        ])),
      h('section', { class: 'card', 'aria-labelledby': 'hub-since' },
        h('h2', { id: 'hub-since', text: 'Since the network started' }),
        dl('hub-since-facts', [
          ['Sync sessions run', num(s.sessions_run)],
          ['Entries', `${num(s.entries_out)} sent, ${num(s.entries_in)} received`],
          ['Sync bytes', `${bytes(s.bytes_out)} sent, ${bytes(s.bytes_in)} received`],
          relay.on ? ['Relayed', `${bytes(relay.bytes)} in ${num(relay.circuits_opened)} connections; ${num(relay.slots_given)} slots given, ${num(relay.slots_renewed)} renewed, ${num(relay.slots_ended)} ended`] : null,
        ]),
        h('h3', { text: 'Use of the services' }),
        counts('hub-uses', r.uses, 'Kind', 'No service was used yet.'),
        h('h3', { text: 'Refusals' }),
        counts('hub-refusals', r.refusals, 'Reason', 'Nothing was refused.', reasonText),
        h('h3', { text: 'Expired' }),
        counts('hub-expiries', r.expiries, 'What', 'Nothing expired.'),
        (r.gauges || []).length
          ? [h('h3', { text: 'Gauges' }), dl('hub-gauges', r.gauges.map((g) => [g.help || g.name, num(g.value)]))]
          : null));
  }

  let timer = null;
  let loading = false;
  async function load() {
    if (loading || !ctx.alive()) return;
    loading = true;
    try {
      draw(await request('GET', '/hub/report'));
      status.set('');
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      loading = false;
    }
  }
  function tick() {
    if (!ctx.alive()) return;
    load().finally(() => {
      if (ctx.alive()) timer = setTimeout(tick, 5000);
    });
  }
  ctx.on('peers', load);
  ctx.on('resync', load);
  await load();
  timer = setTimeout(tick, 5000);
  void timer;
}
