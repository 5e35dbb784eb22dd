// copies.js: "Your data", where the account's own data is held, as the
// node knows from sync (GET /api/v1/status, "copies"; doc/api.md): how many
// complete copies and on which devices, the entries held in one place only,
// the account's devices this one never synced with, with how to revoke
// them if they are lost, and the hubs asked to keep the account's logs
// under a lease (doc/protocol/services.md §9), with how each stands.
import { h, replace, plural } from './dom.js';
import { api } from './api.js';
import { cleanName } from './peertext.js';

function devName(d) {
  if (d.this_device) return 'this device';
  return cleanName(d.name || '') || d.device;
}

// untilText says how far ahead an RFC 3339 time is: "in 30 days".
function untilText(t) {
  const ms = Date.parse(t) - Date.now();
  if (!(ms > 0)) return 'now';
  const min = Math.round(ms / 60000);
  if (min >= 48 * 60) return `in ${Math.floor(min / 1440)} days`;
  if (min >= 120) return `in ${Math.floor(min / 60)} hours`;
  return `in ${min} min`;
}

// leaseRow is one hub asked to keep the account's logs: held (until when,
// how much), refused (why) or not reached (why), and when it is asked again.
function leaseRow(l) {
  const who = cleanName(l.name || '') || l.holder;
  let text;
  switch (l.state) {
    case 'held':
      text = `${who} keeps your logs under a lease: ends ${untilText(l.until)}, renewed ${untilText(l.renew_at)}; up to ${Math.floor(l.bytes / 1048576)} MiB and ${plural(l.entries, 'entry', 'entries')}.`;
      if (l.reason) text += ` Its last renewal was refused: ${cleanName(l.reason)}`;
      break;
    case 'refused':
      text = `${who} refused to keep your logs: ${cleanName(l.reason || '')} Asked again ${untilText(l.next)}.`;
      break;
    case 'failing':
      text = `${who} could not be asked to keep your logs: ${cleanName(l.error || '')}. Asked again ${untilText(l.next)}.`;
      break;
    default:
      text = `${who}: asking it to keep your logs.`;
  }
  return h('li', { class: l.state === 'held' && !l.reason ? '' : 'warning', dataset: { testid: 'copies-lease', holder: l.holder, state: l.state }, ptext: text });
}

// drawCopies fills el (a section) from a status's copies; an old node
// that reports none hides it.
export function drawCopies(el, c) {
  if (!c || !(c.devices || []).length) {
    replace(el);
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const names = (c.complete || []).map(devName);
  const count = h('p', { class: c.count < 2 ? 'status error' : 'status ok', dataset: { testid: 'copies-count', count: String(c.count) } },
    h('strong', { text: plural(c.count, 'copy', 'copies') }),
    names.length ? h('span', { ptext: ` (${names.join(', ')})` }) : null);
  const single = (c.single || []).map((s) => h('li', { dataset: { testid: 'copies-single' },
    ptext: `${plural(s.entries, 'entry', 'entries')} of your log on ${devName(s.author)} ${s.entries === 1 ? 'is' : 'are'} only on ${devName(s.holder)}.` }));
  const unsynced = (c.unsynced || []).map((d) => h('li', { dataset: { testid: 'copies-unsynced', device: d.device } },
    h('span', { ptext: `${devName(d)} has not synced with this device. If it is lost, revoke it: ` }),
    h('code', { text: `kith device revoke ${d.device}` })));
  replace(el,
    h('h2', { id: 'copies-heading', text: 'Your data' }),
    count,
    single.length ? h('ul', { class: 'warnings' }, single) : null,
    c.count < 2 && !single.length ? h('p', { class: 'muted', text: 'Add another device, so that losing one loses nothing.' }) : null,
    unsynced.length ? [h('h3', { text: 'Devices of yours not seen here' }), h('ul', {}, unsynced)] : null,
    (c.leases || []).length ? [h('h3', { text: 'Hubs keeping your logs' }), h('ul', {}, c.leases.map(leaseRow))] : null);
}

// unsyncedNotice answers a paragraph for the top of the timeline that
// names the account's devices this one never synced with (after a
// restore: perhaps lost) and says where to revoke them; hidden when there
// are none. refresh() reads the status again.
export function unsyncedNotice() {
  const el = h('p', { class: 'status notice', role: 'status', dataset: { testid: 'unsynced-notice' }, hidden: true });
  async function refresh() {
    let c;
    try {
      c = (await api.status()).copies;
    } catch {
      return; // the next refresh tries again
    }
    const ds = (c && c.unsynced) || [];
    el.hidden = ds.length === 0;
    if (!ds.length) {
      replace(el);
      return;
    }
    const names = ds.map(devName);
    const list = names.length === 1 ? names[0] : names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
    replace(el,
      h('span', { ptext: `${list} ${ds.length === 1 ? 'has' : 'have'} not synced with this device. If ${ds.length === 1 ? 'it is' : 'they are'} lost, revoke ${ds.length === 1 ? 'it' : 'them'}: ` }),
      h('a', { href: '#/peers', text: 'see Your data' }), '.');
  }
  refresh();
  return { el, refresh };
}
