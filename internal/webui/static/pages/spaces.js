// pages/spaces.js: the spaces your account takes part in, and the form to
// create one among chosen people (the accounts you follow, or account ids)
// or with a village's locals (doc/api.md "Spaces").
import { h, replace, statusLine, errorText, plural, displayName } from '../dom.js';
import { api } from '../api.js';
import { alikeBadge } from '../peertext.js';

const roles = { admin: 'Admin', member: 'Member', none: 'No longer a member' };

export default async function spaces(main, ctx) {
  ctx.title('Spaces');
  const status = statusLine('spaces-status');
  const listHeading = h('h2', { id: 'spaces-heading', text: 'Your spaces' });
  const list = h('ul', { class: 'spaces', dataset: { testid: 'spaces-list' }, 'aria-labelledby': 'spaces-heading' });

  // The create form: a name, then who: chosen people or a village.
  const nameIn = h('input', { id: 'space-name', type: 'text', maxlength: 100, autocomplete: 'off', required: true, dataset: { testid: 'space-name' } });
  const fromPeople = h('input', { type: 'radio', name: 'space-from', id: 'space-from-people', value: 'people', checked: true, dataset: { testid: 'space-from-people' } });
  const fromVillage = h('input', { type: 'radio', name: 'space-from', id: 'space-from-village', value: 'village', dataset: { testid: 'space-from-village' } });
  const people = h('fieldset', { class: 'space-people', dataset: { testid: 'space-people' } },
    h('legend', { text: 'People you follow' }));
  const idsIn = h('textarea', {
    id: 'space-ids', rows: 2, spellcheck: 'false', placeholder: 'acc_…', 'aria-describedby': 'space-ids-help',
    dataset: { testid: 'space-ids' },
  });
  const peopleBox = h('div', {}, people,
    h('label', { for: 'space-ids', text: 'Others, by account id' }), idsIn,
    h('p', { id: 'space-ids-help', class: 'muted hint', text: 'One a line (or separated by commas or spaces). Each person finds their account id on their own Spaces page.' }));
  const villageSel = h('select', { id: 'space-village', dataset: { testid: 'space-village' } });
  const villageBox = h('div', { hidden: true },
    h('label', { for: 'space-village', text: 'Village' }), villageSel,
    h('p', { class: 'muted hint', text: 'Its current locals become the members. Locals who join later are added by an admin.' }));
  const historyIn = h('input', { type: 'checkbox', id: 'space-history', dataset: { testid: 'space-history' } });
  const submit = h('button', { type: 'submit', dataset: { testid: 'space-create' }, text: 'Create the space' });
  const createStatus = statusLine('space-create-status');
  const form = h('form', { class: 'card space-form', dataset: { testid: 'space-create-form' }, 'aria-labelledby': 'space-create-heading' },
    h('h2', { id: 'space-create-heading', text: 'Create a space' }),
    h('label', { for: 'space-name', text: 'Name' }), nameIn,
    h('fieldset', { class: 'space-from' }, h('legend', { text: 'Members' }),
      h('div', { class: 'check' }, fromPeople, ' ', h('label', { for: 'space-from-people', text: 'People I choose' })),
      h('div', { class: 'check' }, fromVillage, ' ', h('label', { for: 'space-from-village', text: 'The locals of one of my villages' }))),
    peopleBox, villageBox,
    h('div', { class: 'check' }, historyIn, ' ', h('label', { for: 'space-history', text: 'People added later can read what was written before they joined' })),
    h('p', { class: 'muted hint' }, lockIcon(), ' Everything written in the space is sealed: only its members’ devices can read it. You are its admin.'),
    h('div', { class: 'row' }, submit),
    createStatus);
  const choose = () => {
    peopleBox.hidden = !fromPeople.checked;
    villageBox.hidden = !fromVillage.checked;
  };
  fromPeople.addEventListener('change', choose);
  fromVillage.addEventListener('change', choose);

  main.append(
    h('div', { class: 'space-page' },
      h('h1', { tabindex: '-1', text: 'Spaces' }),
      h('p', { class: 'muted' }, 'A space is a private group chat: what its members write is sealed, and the nodes that carry it for them cannot read it.'),
      h('p', {}, 'Your account id is ', h('code', { class: 'id', dataset: { testid: 'my-account' }, text: ctx.me.account }), ': give it to someone who wants to add you to a space.'),
      status,
      h('section', { 'aria-labelledby': 'spaces-heading' }, listHeading, list),
      form));

  // The choices: the accounts you follow, and the villages you are a
  // local of.
  async function loadChoices() {
    try {
      const [f, vs] = await Promise.all([api.follows(), api.villages()]);
      if (!ctx.alive()) return;
      const following = f.following || [];
      replace(people, h('legend', { text: 'People you follow' }),
        following.length ? following.map((a) => h('div', { class: 'check' },
          h('input', { type: 'checkbox', id: 'p-' + a.account, value: a.account, dataset: { testid: 'space-person', account: a.account } }), ' ',
          h('label', { for: 'p-' + a.account, ptext: displayName(a.profile && a.profile.name, a.account) }),
          a.profile && a.profile.name ? alikeBadge(a.account, a.profile.name) : null))
          : h('p', { class: 'muted', text: 'You follow no one yet: name people by account id below.' }));
      const locals = (vs.villages || []).filter((v) => v.known && v.role === 'local');
      replace(villageSel, locals.length ? locals.map((v) => h('option', { value: v.id, text: `${v.name} (${plural(v.locals, 'local')})` }))
        : h('option', { value: '', text: 'You are a local of no village' }));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  let shown = null;
  async function load() {
    try {
      const ss = (await api.spaces()).spaces || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(ss);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Your spaces (${ss.length})`;
      if (!ss.length) {
        replace(list, h('li', { class: 'empty', text: 'You take part in no space yet. Create one below, or ask a member to add you.' }));
        return;
      }
      replace(list, ...ss.map((s) => h('li', { class: 'space-item card', dataset: { testid: 'space-item', space: s.id, role: s.role } },
        h('h3', {}, lockIcon(), ' ', h('a', { href: '#/space/' + s.id, ptext: s.name })),
        h('p', { class: 'meta' },
          h('span', { class: 'badge role', dataset: { role: s.role }, text: roles[s.role] || s.role }),
          ' ' + plural(s.members, 'member') + (s.role === 'none' ? ' · you can read what was sealed while you were a member' : ' · sealed: only the members can read it')))));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = nameIn.value.trim();
    if (!name) {
      createStatus.set('Give the space a name.', 'error');
      nameIn.focus();
      return;
    }
    const body = { name };
    if (historyIn.checked) body.history = true;
    if (fromVillage.checked) {
      if (!villageSel.value) {
        createStatus.set('You are a local of no village: choose people instead.', 'error');
        return;
      }
      body.village = villageSel.value;
    } else {
      const typed = idsIn.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
      const bad = typed.find((c) => !/^acc_[a-z0-9]+$/.test(c));
      if (bad) {
        createStatus.set(`“${bad}” is not an account id: they start with acc_.`, 'error');
        idsIn.focus();
        return;
      }
      const chosen = [...people.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
      body.members = [...new Set([...chosen, ...typed])];
      if (!body.members.length) {
        createStatus.set('Choose at least one person, or name one by account id.', 'error');
        return;
      }
    }
    submit.disabled = true;
    createStatus.set('Creating…');
    try {
      const res = await api.createSpace(body);
      ctx.announce(`Space ${name} created.`);
      location.hash = '#/space/' + res.space;
    } catch (err) {
      createStatus.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  let timer = null;
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('space.')) {
      clearTimeout(timer);
      timer = setTimeout(load, 300);
    }
  });
  ctx.on('resync', load);
  await Promise.all([load(), loadChoices()]);
}

// lockIcon is the padlock shown on everything sealed (drawn in CSS, so
// no font or image is needed); label is its text for screen readers and
// its tooltip.
export function lockIcon(label = 'Sealed') {
  return h('span', { class: 'lock', role: 'img', 'aria-label': label, title: label });
}
