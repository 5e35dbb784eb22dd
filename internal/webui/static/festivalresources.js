// festivalresources.js: a festival's resources with their calendars of
// bookings (and the windows given back by withdrawn requests and
// cancelled events), and the form announcing a resource: kind, name,
// policy (first come, by hand, at most N hours a day per person),
// capacity, availability windows, position, address, URL.
import { h, replace, statusLine, errorText } from './dom.js';
import { request } from './api.js';
import { spanText, rfc3339, who } from './festivaltime.js';

// Past this many resources their calendars fold, and are drawn when opened.
const FOLD = 20;

export function policyText(r) {
  switch (r.policy) {
    case 'manual': return 'the owner confirms each request';
    case 'first-come': return 'first come, first served';
    case 'hours-per-day': return `first come, at most ${r.params && r.params[0]} hours a day per person`;
  }
  return 'policy ' + r.policy;
}

// resourceList draws the resources; freed maps a resource id to the
// withdrawn requests for it.
export function resourceList(list, resources, freed) {
  if (!resources.length) {
    replace(list, h('li', { class: 'empty', text: 'No resource yet. Add one below.' }));
    return;
  }
  const fold = resources.length > FOLD;
  replace(list, ...resources.map((r) => {
    const calendar = () => [
      r.text ? h('p', { ptext: r.text }) : null,
      r.address ? h('p', { class: 'meta' }, 'Address: ', h('span', { ptext: r.address })) : null,
      r.url ? h('p', { class: 'meta' }, 'Online: ', h('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank', ptext: r.url })) : null,
      r.windows && r.windows.length ? h('p', { class: 'meta', dataset: { testid: 'festival-resource-windows' }, text: 'Available ' + r.windows.map(spanText).join(', ') + ' (UTC).' }) : null,
      r.bookings.length
        ? h('ul', { class: 'bookings', dataset: { testid: 'festival-bookings' } }, ...r.bookings.map((b) => h('li', { dataset: { testid: 'festival-booking' } },
          spanText(b.span), ': ', h('bdi', { text: b.event_name }), ' (', h('bdi', { text: who(b.holder) }), ')', b.confirmed ? '' : ', not confirmed yet')))
        : h('p', { class: 'muted', text: 'Not booked.' }),
      (freed.get(r.id) || []).length
        ? h('ul', { class: 'bookings freed' }, ...freed.get(r.id).map((q) => h('li', { dataset: { testid: 'festival-freed' } },
          spanText(q.span), ': free again (', h('bdi', { text: q.event_name }), ', ', q.reason || 'withdrawn', ')')))
        : null,
    ];
    const head = [h('h3', {}, h('span', { ptext: r.name }), ' ', h('span', { class: 'badge', text: r.kind })),
      h('p', { class: 'meta', dataset: { testid: 'festival-resource-meta' } }, 'Owned by ', h('bdi', { text: who(r.owner) }), '; ', policyText(r),
        r.unchecked ? ' (this node does not know the policy: treated as confirmed by hand)' : '',
        r.capacity ? `; for ${r.capacity} people` : '', r.withdrawn ? '; withdrawn' : '', '.')];
    const item = h('li', { class: 'card festival-resource' + (r.withdrawn ? ' withdrawn' : ''), dataset: { testid: 'festival-resource', name: r.name } });
    if (!fold) return replace(item, ...head, ...calendar());
    const body = h('div');
    const d = h('details', {}, h('summary', {}, `${r.bookings.length} booking${r.bookings.length === 1 ? '' : 's'}`), body);
    d.addEventListener('toggle', () => { if (d.open && !body.firstChild) replace(body, ...calendar()); });
    return replace(item, ...head, d);
  }));
}

// windowsOf reads availability windows, one a line: "2026-07-04 10:00 – 2026-07-04 23:00".
function windowsOf(text) {
  const out = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2})\s*(?:–|-|to)\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2})$/.exec(line);
    const s = m && rfc3339(m[1]);
    const e = m && rfc3339(m[2]);
    if (!s || !e || Date.parse(e) <= Date.parse(s)) return { bad: line };
    out.push({ start: s, end: e });
  }
  return { windows: out };
}

// resourceForm builds the form; after adding, it calls done().
export function resourceForm(path, done) {
  const field = (id, attrs) => h('input', { id, type: 'text', autocomplete: 'off', dataset: { testid: id }, ...attrs });
  const kind = h('select', { id: 'resource-kind', dataset: { testid: 'resource-kind' } },
    ...[['location', 'A place (stage, field, address, online room)'], ['room', 'A room'], ['stage', 'A stage'], ['equipment', 'Equipment'], ['skill', 'A skill']]
      .map(([v, t]) => h('option', { value: v, text: t })));
  const name = field('resource-name', { maxlength: 100, required: true });
  const text = field('resource-text', { maxlength: 2000 });
  const policy = h('select', { id: 'resource-policy', dataset: { testid: 'resource-policy' } },
    h('option', { value: 'first-come', text: 'First come, first served (my node answers)' }),
    h('option', { value: 'manual', text: 'I confirm each request myself' }),
    h('option', { value: 'hours-per-day', text: 'First come, at most some hours a day per person' }));
  const hours = field('resource-hours', { inputmode: 'numeric', value: '4', 'aria-describedby': 'resource-hours-help' });
  const hoursBox = h('div', { hidden: true },
    h('label', { for: 'resource-hours', text: 'Hours a day per person (1–24)' }), hours,
    h('p', { id: 'resource-hours-help', class: 'muted', text: 'Counted per UTC day, over all of one person’s bookings of it.' }));
  policy.addEventListener('change', () => { hoursBox.hidden = policy.value !== 'hours-per-day'; });
  const capacity = field('resource-capacity', { inputmode: 'numeric' });
  const windows = h('textarea', { id: 'resource-windows', rows: 2, dataset: { testid: 'resource-windows' }, placeholder: '2026-07-04 10:00 – 2026-07-04 23:00', 'aria-describedby': 'resource-windows-help' });
  const lat = field('resource-lat', { inputmode: 'decimal', placeholder: '52.52' });
  const lon = field('resource-lon', { inputmode: 'decimal', placeholder: '13.405' });
  const address = field('resource-address', { maxlength: 500 });
  const url = field('resource-url', { maxlength: 2000, inputmode: 'url' });
  const status = statusLine('resource-status');
  const submit = h('button', { type: 'submit', dataset: { testid: 'resource-submit' }, text: 'Add the resource' });
  const form = h('form', { class: 'card festival-form', dataset: { testid: 'resource-form' }, 'aria-labelledby': 'resource-form-heading' },
    h('h2', { id: 'resource-form-heading', text: 'Add a resource you own' }),
    h('label', { for: 'resource-kind', text: 'Kind' }), kind,
    h('label', { for: 'resource-name', text: 'Name' }), name,
    h('label', { for: 'resource-text', text: 'Description (optional)' }), text,
    h('label', { for: 'resource-policy', text: 'Who gets it' }), policy, hoursBox,
    h('label', { for: 'resource-capacity', text: 'How many people it holds (optional)' }), capacity,
    h('label', { for: 'resource-windows', text: 'When it is available (optional; UTC, one window a line)' }), windows,
    h('p', { id: 'resource-windows-help', class: 'muted', text: 'Like 2026-07-04 10:00 – 2026-07-04 23:00. Leave empty: always.' }),
    h('div', { class: 'coords' },
      h('div', {}, h('label', { for: 'resource-lat', text: 'Latitude (optional)' }), lat),
      h('div', {}, h('label', { for: 'resource-lon', text: 'Longitude' }), lon)),
    h('label', { for: 'resource-address', text: 'Address (optional)' }), address,
    h('label', { for: 'resource-url', text: 'Web address, for a place online (optional)' }), url,
    h('div', { class: 'row' }, submit), status);

  const refuse = (msg, el) => {
    status.set(msg, 'error');
    el.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const n = name.value.trim();
    if (!n) return refuse('Give the resource a name.', name);
    const body = { kind: kind.value, name: n, text: text.value.trim(), policy: policy.value, address: address.value.trim(), url: url.value.trim() };
    if (policy.value === 'hours-per-day') {
      const v = Number(hours.value.trim());
      if (!Number.isInteger(v) || v < 1 || v > 24) return refuse('Give the hours a day per person as a whole number from 1 to 24.', hours);
      body.params = [v];
    }
    if (capacity.value.trim()) {
      const v = Number(capacity.value.trim());
      if (!Number.isInteger(v) || v < 1 || v > 1000000) return refuse('Give how many people it holds as a whole number from 1 to 1000000, or leave it empty.', capacity);
      body.capacity = v;
    }
    const ws = windowsOf(windows.value);
    if (ws.bad) return refuse(`“${ws.bad}” is not a window like 2026-07-04 10:00 – 2026-07-04 23:00 (UTC, the end after the start).`, windows);
    body.windows = ws.windows;
    if (body.url && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(body.url)) return refuse('A web address starts with its scheme (such as https, then a colon) and has no spaces.', url);
    if (body.kind === 'location' && !body.address && !body.url && !lat.value.trim() && !lon.value.trim()) {
      return refuse('A place needs a position (latitude and longitude), an address or a web address.', lat);
    }
    const la = lat.value.trim();
    const lo = lon.value.trim();
    if (la || lo) {
      const a = Number(la);
      const o = Number(lo);
      if (!la || !lo || !isFinite(a) || !isFinite(o) || Math.abs(a) > 90 || Math.abs(o) > 180) {
        return refuse('Give both latitude (−90 to 90) and longitude (−180 to 180) in degrees, like 52.52 and 13.405, or neither.', lat);
      }
      body.lat = a;
      body.lon = o;
    }
    submit.disabled = true;
    try {
      await request('POST', path + '/resources', body);
      status.set(`Added ${n}.`);
      for (const el of [name, text, lat, lon, address, url, capacity, windows]) el.value = '';
      await done();
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
