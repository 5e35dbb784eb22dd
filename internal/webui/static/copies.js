// copies.js: "Your data", where the account's own data is held, as the
// node knows from sync (GET /api/v1/status, "copies"; doc/api.md): how many
// complete copies and on which devices, the entries held in one place only,
// and the account's devices this one never synced with, with how to revoke
// them if they are lost.
import { h, replace, plural } from './dom.js';
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
