// pages/festivals.js: festivals (doc/api.md "Festivals"): the ones opened
// here (and those nested in them), the form to create one and the form
// to open one by the reference its founder shared (ent_…/dev_…).
import { h, replace, statusLine, errorText } from '../dom.js';
import { api, request } from '../api.js';

export default async function festivals(main, ctx) {
  ctx.title('Festivals');
  const status = statusLine('festivals-status');
  const listHeading = h('h2', { id: 'festivals-heading', text: 'Your festivals' });
  const list = h('ul', { class: 'festivals', dataset: { testid: 'festivals-list' }, 'aria-labelledby': 'festivals-heading' });

  const nameIn = h('input', { id: 'festival-name', type: 'text', maxlength: 200, required: true, autocomplete: 'off', dataset: { testid: 'festival-name' } });
  const textIn = h('textarea', { id: 'festival-text', rows: 2, maxlength: 4000, dataset: { testid: 'festival-text' } });
  // Where it lives (festival.md §3 "Homes"): public, a village of which
  // this account is a local, or a space of which it is a member.
  const homeIn = h('select', { id: 'festival-home', dataset: { testid: 'festival-home' } },
    h('option', { value: '', text: 'Public: anyone who opens it' }));
  const homeHelp = h('p', { class: 'muted', id: 'festival-home-help', dataset: { testid: 'festival-home-help' } });
  const createStatus = statusLine('festival-create-status');
  const createBtn = h('button', { type: 'submit', dataset: { testid: 'festival-create' }, text: 'Create' });
  const createForm = h('form', { class: 'card festival-form', dataset: { testid: 'festival-create-form' }, 'aria-labelledby': 'festival-create-heading' },
    h('h2', { id: 'festival-create-heading', text: 'Create a festival' }),
    h('label', { for: 'festival-name', text: 'Name' }), nameIn,
    h('label', { for: 'festival-text', text: 'What it is (optional)' }), textIn,
    h('label', { for: 'festival-home', text: 'Who receives it' }), homeIn, homeHelp,
    h('div', { class: 'row' }, createBtn), createStatus);

  function sayHome() {
    const o = homeIn.selectedOptions[0];
    homeHelp.textContent = !o || !o.value
      ? 'Anyone you share its reference with can open it; it is announced in the DHT.'
      : o.dataset.kind === 'village'
        ? `Only the locals of ${o.dataset.name} receive it; strangers to the village never do.`
        : `Sealed in the space ${o.dataset.name}: only its members can read it, and people removed from the space do not read what is written after.`;
  }
  homeIn.addEventListener('change', sayHome);
  sayHome();
  async function loadHomes() {
    try {
      const [vs, ss] = await Promise.all([api.villages(), api.spaces()]);
      if (!ctx.alive()) return;
      const villages = (vs.villages || []).filter((v) => v.known && (v.role === 'founder' || v.role === 'local'));
      const spaces = (ss.spaces || []).filter((sp) => sp.role === 'admin' || sp.role === 'member');
      const keep = homeIn.value;
      replace(homeIn, h('option', { value: '', text: 'Public: anyone who opens it' }),
        villages.length ? h('optgroup', { label: 'A village (its locals)' },
          ...villages.map((v) => h('option', { value: 'village:' + v.id, dataset: { kind: 'village', name: v.name || v.id }, text: v.name || v.id }))) : null,
        spaces.length ? h('optgroup', { label: 'A space (sealed for its members)' },
          ...spaces.map((sp) => h('option', { value: 'space:' + sp.id, dataset: { kind: 'space', name: sp.name || sp.id }, text: sp.name || sp.id }))) : null);
      if ([...homeIn.options].some((o) => o.value === keep)) homeIn.value = keep;
      sayHome();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  const refIn = h('input', { id: 'festival-ref', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'ent_…/dev_…', dataset: { testid: 'festival-ref' } });
  const openStatus = statusLine('festival-open-status');
  const openBtn = h('button', { type: 'submit', dataset: { testid: 'festival-open' }, text: 'Open' });
  const openForm = h('form', { class: 'card festival-form', dataset: { testid: 'festival-open-form' }, 'aria-labelledby': 'festival-open-heading' },
    h('h2', { id: 'festival-open-heading', text: 'Open a festival' }),
    h('label', { for: 'festival-ref', text: 'Its reference, as its founder shared it' }), refIn,
    h('div', { class: 'row' }, openBtn), openStatus);

  main.append(h('div', { class: 'festivals-page' },
    h('h1', { tabindex: '-1', text: 'Festivals' }),
    h('p', { class: 'muted', text: 'Resources (stages, rooms, equipment, places), events that need them, and their owners’ answers. Opening a festival copies its entries to this node, nothing else of the people in it.' }),
    status,
    h('section', { 'aria-labelledby': 'festivals-heading' }, listHeading, list),
    createForm, openForm));

  let shown = null;
  async function load() {
    try {
      const fs = (await request('GET', '/festivals')).festivals || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(fs);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Your festivals (${fs.length})`;
      if (!fs.length) {
        replace(list, h('li', { class: 'empty', text: 'No festival yet. Create one, or open one somebody shared with you.' }));
        return;
      }
      const names = new Map(fs.map((f) => [f.id, f.name]));
      replace(list, ...fs.map((f) => h('li', { class: 'festival-item card', dataset: { testid: 'festival-item', id: f.id } },
        h('h3', {}, h('a', { href: '#/festival/' + f.id, ptext: f.name || f.id })),
        f.parent ? h('p', { class: 'meta' }, 'Inside ', h('bdi', { text: names.get(f.parent) || f.parent })) : null,
        f.cancelled ? h('p', { class: 'meta', text: 'Withdrawn by its founder.' }) : null,
        f.ref ? h('p', { class: 'meta' }, 'Share to let others open it: ', h('code', { class: 'ref', dataset: { testid: 'festival-item-ref' }, text: f.ref })) : null)));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = nameIn.value.trim();
    if (!name) {
      createStatus.set('Give the festival a name.', 'error');
      nameIn.focus();
      return;
    }
    createBtn.disabled = true;
    try {
      const body = { name, text: textIn.value.trim() };
      const [kind, id] = homeIn.value.split(':');
      if (kind === 'village') body.village = id;
      if (kind === 'space') body.space = id;
      const r = await request('POST', '/festivals', body);
      ctx.announce('Festival created.');
      location.hash = '#/festival/' + r.festival;
    } catch (err) {
      createStatus.set(errorText(err), 'error');
    } finally {
      createBtn.disabled = false;
    }
  });

  openForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ref = refIn.value.trim();
    const m = /^(ent_[^/\s]+)(?:\/(dev_[^/\s]+))?$/.exec(ref);
    if (!m) {
      openStatus.set('A reference looks like ent_…/dev_…: the festival, a slash, its founder’s device. Ask its founder for it.', 'error');
      refIn.focus();
      return;
    }
    openBtn.disabled = true;
    try {
      const r = await request('POST', '/festivals/' + encodeURIComponent(m[1]) + '/open', { founder: m[2] || '' });
      ctx.announce('Festival opened.');
      location.hash = '#/festival/' + r.festival;
    } catch (err) {
      openStatus.set(errorText(err), 'error');
    } finally {
      openBtn.disabled = false;
    }
  });

  ctx.on('entry', (d) => {
    if (d && typeof d.type === 'string' && d.type.startsWith('festival.')) load();
  });
  ctx.on('resync', load);
  await Promise.all([load(), loadHomes()]);
}
