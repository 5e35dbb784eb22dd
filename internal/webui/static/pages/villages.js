// pages/villages.js: the villages this device takes part in, and the form
// to found one with co-founders (doc/api.md "Villages").
import { h, replace, statusLine, errorText, copyText, plural } from '../dom.js';
import { api } from '../api.js';

const roles = {
  founder: 'Founder: the founding is not complete',
  local: 'Local',
  invitee: 'Invited: not a local yet',
  left: 'You left',
  excluded: 'You were excluded',
};

// methodSelect is a <select> of the charter's consensus methods.
function methodSelect(id, testid) {
  return h('select', { id, name: id, dataset: { testid } },
    h('option', { value: 'majority', text: 'Majority of the locals' }),
    h('option', { value: 'unanimous', text: 'Every local (unanimous)' }));
}

export default async function villages(main, ctx) {
  ctx.title('Villages');
  const status = statusLine('villages-status');
  const list = h('ul', { class: 'villages', dataset: { testid: 'villages-list' }, 'aria-labelledby': 'villages-heading' });
  const listHeading = h('h2', { id: 'villages-heading', text: 'Your villages' });

  const nameIn = h('input', { id: 'found-name', type: 'text', maxlength: 100, autocomplete: 'off', required: true, dataset: { testid: 'found-name' } });
  const cofIn = h('textarea', {
    id: 'found-cofounders', rows: 3, spellcheck: 'false', placeholder: 'dev_…', 'aria-describedby': 'found-cofounders-help',
    dataset: { testid: 'found-cofounders' },
  });
  const admitSel = methodSelect('found-admit', 'found-admit');
  const excludeSel = methodSelect('found-exclude', 'found-exclude');
  const submit = h('button', { type: 'submit', dataset: { testid: 'found-submit' }, text: 'Found the village' });
  const foundStatus = statusLine('found-status');
  const form = h('form', { class: 'card village-form', dataset: { testid: 'village-found-form' }, 'aria-labelledby': 'found-heading' },
    h('h2', { id: 'found-heading', text: 'Found a village' }),
    h('label', { for: 'found-name', text: 'Name' }), nameIn,
    h('label', { for: 'found-cofounders', text: 'Co-founders’ device ids' }), cofIn,
    h('p', { id: 'found-cofounders-help', class: 'muted hint', text: 'At least one, one a line (or separated by commas or spaces). Each co-founder finds their device id on their own Villages page. The village is founded once every co-founder accepted.' }),
    h('label', { for: 'found-admit', text: 'How strangers are accepted' }), admitSel,
    h('label', { for: 'found-exclude', text: 'How a local is excluded' }), excludeSel,
    h('div', { class: 'row' }, submit),
    foundStatus);

  const myDev = h('code', { class: 'id', dataset: { testid: 'my-device' }, text: ctx.me.device });

  main.append(
    h('h1', { tabindex: '-1', text: 'Villages' }),
    h('p', { class: 'muted' }, 'A village is a small group of locals keeping a shared contact book of strangers: who vouched for whom, with which proof, and what everyone thinks.'),
    h('p', {}, 'Your device id is ', myDev, ' ',
      h('button', {
        type: 'button', class: 'secondary small', 'aria-label': 'Copy your device id',
        onclick: async () => status.set(await copyText(ctx.me.device) ? 'Your device id was copied.' : 'Copying failed: select the id and copy it.', 'ok'),
        text: 'Copy',
      }), ': give it to a village’s local to be invited, or to a founder to be named co-founder.'),
    status,
    h('section', { 'aria-labelledby': 'villages-heading' }, listHeading, list),
    form,
  );

  // load redraws the list only when it changed (a redraw under a click
  // loses the click).
  let shown = null;
  async function load() {
    try {
      const vs = (await api.villages()).villages || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(vs);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Your villages (${vs.length})`;
      if (!vs.length) {
        replace(list, h('li', { class: 'empty', text: 'You take part in no village yet. Found one below, or ask a local to invite your device.' }));
        return;
      }
      replace(list, ...vs.map((v) => h('li', { class: 'village-item card', dataset: { testid: 'village-item', village: v.id } },
        h('h3', {}, h('a', { href: '#/village/' + v.id, text: v.known ? (v.name || 'Unnamed village') : 'Village not arrived yet' })),
        h('p', { class: 'meta' },
          h('span', { class: 'badge role', dataset: { role: v.role }, text: roles[v.role] || v.role }),
          v.mode ? h('span', { class: 'badge', text: v.mode === 'passive' ? 'Passive' : 'Active' }) : null,
          // Before the founding is complete nobody is a local yet: no count.
          v.known ? (v.founded ? ' ' + plural(v.locals, 'local') : ' Every founder accepts the founding on the village’s page.') : ' Only your invitation is here; the village arrives from its locals.'),
        h('p', { class: 'muted id', text: v.id }))));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = nameIn.value.trim();
    const cofounders = cofIn.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    if (!name) {
      foundStatus.set('Give the village a name.', 'error');
      nameIn.focus();
      return;
    }
    const bad = cofounders.find((c) => !/^dev_[a-z0-9]+$/.test(c));
    if (!cofounders.length || bad) {
      foundStatus.set(bad ? `“${bad}” is not a device id: they start with dev_.` : 'Name at least one co-founder by device id (dev_…).', 'error');
      cofIn.focus();
      return;
    }
    submit.disabled = true;
    foundStatus.set('Founding…');
    try {
      const res = await api.foundVillage(name, admitSel.value, excludeSel.value, cofounders);
      foundStatus.set('Founded. Each co-founder now accepts it on their Villages page.', 'ok');
      ctx.announce(`Village ${name} founded.`);
      location.hash = '#/village/' + res.village;
    } catch (err) {
      foundStatus.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  let timer = null;
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('village.')) {
      clearTimeout(timer);
      timer = setTimeout(load, 300);
    }
  });
  ctx.on('resync', load);
  await load();
}
