// copies.js: "Your data", where the account's own data is held, as the
// node knows from sync (GET /api/v1/status, "copies"; doc/api.md): how many
// complete copies and on which devices, the entries held in one place only,
// and the account's devices this one never synced with, with how to revoke
// them if they are lost.
import { h, replace, plural } from './dom.js';
import { api } from './api.js';
import { cleanName } from './peertext.js';

function devName(d) {
  if (d.this_device) return 'this device';
  return cleanName(d.name || '') || d.device;
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
    unsynced.length ? [h('h3', { text: 'Devices of yours not seen here' }), h('ul', {}, unsynced)] : null);
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
