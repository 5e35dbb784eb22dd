// pages/chain.js: a local's chain of village states and what the audit
// (doc/protocol/village.md §5) found wrong in it, from
// GET /api/v1/villages/{id}/locals/{key}/chain.
import { h, replace, shortId, statusLine, errorText, plural } from '../dom.js';
import { api } from '../api.js';
import { cleanName, iso } from '../peertext.js';

const kinds = {
  signature: 'Bad signature',
  payload: 'Invalid payload',
  link: 'Broken link to the previous state',
  fork: 'Fork: two states with one sequence number',
  seen: 'Wrong count of logs seen',
  component: 'A component does not match the entries',
  vote: 'A vote does not match the state',
};

const componentNames = [
  ['previous', 'Previous state'],
  ['userspec', 'Userspec'],
  ['locals', 'Locals'],
  ['locals_state', 'Locals’ states'],
  ['strangers', 'Strangers'],
  ['strangers_state', 'Strangers’ states'],
];

export default async function chain(main, ctx) {
  const [id, key] = ctx.params;
  ctx.title('Audited chain');
  const status = statusLine('chain-status');
  const summary = h('div', { dataset: { testid: 'chain-summary' } });
  const findings = h('ul', { class: 'findings', dataset: { testid: 'chain-findings' }, 'aria-labelledby': 'findings-heading' });
  const states = h('ol', { class: 'states', dataset: { testid: 'chain-states' }, 'aria-labelledby': 'states-heading' });
  const title = h('h1', { tabindex: '-1', text: 'Audited chain of ' + shortId(key) });
  let villageName = '';

  main.append(
    h('p', { class: 'back' }, h('a', { href: '#/village/' + id, dataset: { testid: 'chain-back' }, text: '← Back to the village' })),
    title, status,
    h('section', { class: 'chain', dataset: { testid: 'chain-view', local: key } },
      summary,
      h('h2', { id: 'findings-heading', text: 'Audit findings' }), findings,
      h('h2', { id: 'states-heading', text: 'States' }), states));

  let waiting = null;
  let tries = 0;
  async function load() {
    try {
      const [c, v] = await Promise.all([api.villageChain(id, key), api.village(id).catch(() => null)]);
      if (!ctx.alive()) return;
      const l = v && (v.locals || []).find((x) => x.key === key);
      villageName = (v && v.name) || villageName;
      const who = (l && cleanName(l.name) && iso(cleanName(l.name))) || shortId(key);
      title.textContent = `Audited chain of ${who}${v && key === v.me ? ' (you)' : ''}`;
      ctx.title(`Chain of ${who}`);
      const fs = c.findings || [];
      const ss = c.states || [];
      replace(summary,
        h('p', { class: c.ok ? 'audit ok' : 'audit bad', dataset: { testid: 'chain-ok', ok: String(!!c.ok) } },
          h('span', { 'aria-hidden': 'true', text: c.ok ? '✓ ' : '⚠ ' }),
          c.ok ? `No findings: ${ss.length === 1 ? 'the state agrees' : ss.length ? `all ${ss.length} states agree` : 'no state to disagree'} with the entries held here.` : `${plural(fs.length, 'finding')}: this chain does not agree with the entries held here.`),
        h('dl', { class: 'facts' },
          h('dt', { text: 'Village' }), h('dd', {}, villageName ? [h('bdi', { text: villageName }), ' '] : '', h('code', { class: 'id', text: c.village })),
          h('dt', { text: 'Local' }), h('dd', {}, h('code', { class: 'id', text: c.local }))));
      replace(findings, ...(fs.length ? fs.map((f) => h('li', { class: 'finding', dataset: { testid: 'chain-finding', kind: f.kind, seq: String(f.seq) } },
        h('strong', {}, h('span', { 'aria-hidden': 'true', text: '⚠ ' }), 'Problem: ', kinds[f.kind] || f.kind),
        h('span', { text: ` (state ${f.seq})` }),
        h('p', { ptext: f.message }),
        f.entry ? h('p', { class: 'muted id', text: 'Entry ' + f.entry }) : null))
        : [h('li', { class: 'empty', text: 'None.' })]));
      const flagged = new Set(fs.map((f) => f.seq));
      replace(states, ...(ss.length ? ss.map((s) => h('li', { class: 'card state' + (flagged.has(s.seq) ? ' flagged' : ''), dataset: { testid: 'chain-state', seq: String(s.seq), flagged: String(flagged.has(s.seq)) } },
        h('h3', {}, `State ${s.seq}`, flagged.has(s.seq) ? h('span', { class: 'badge warn', text: '⚠ Has findings' }) : null),
        h('dl', { class: 'facts' },
          h('dt', { text: 'Commitment' }), h('dd', {}, h('code', { class: 'id', text: s.commitment })),
          h('dt', { text: 'Logs seen' }), h('dd', { text: String(s.seen) }),
          h('dt', { text: 'Entry' }), h('dd', {}, h('code', { class: 'id', text: s.id }))),
        h('details', {}, h('summary', { text: 'Components' }),
          h('dl', { class: 'facts' }, componentNames.map(([k, label]) => [h('dt', { text: label }), h('dd', {}, h('code', { class: 'id', text: (s.components || {})[k] || '' }))])))))
        : [h('li', { class: 'empty', text: 'This local has published no state yet.' })]));
      status.set('');
      // A state's seen list is a blob the node fetches after the state
      // arrives (village.md §4): while one is missing, look again soon.
      clearTimeout(waiting);
      if (fs.some((f) => f.kind === 'seen' && / is not held/.test(f.message || '')) && tries++ < 60) {
        waiting = setTimeout(load, 1000);
      }
    } catch (err) {
      if (ctx.alive()) status.set(errorText(err), 'error');
    }
  }

  let timer = null;
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('village.')) {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    }
  });
  ctx.on('resync', load);
  await load();
}
