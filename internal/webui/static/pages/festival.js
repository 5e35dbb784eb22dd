// pages/festival.js: one festival (doc/api.md "Festivals"): where it sits
// (a breadcrumb through the festivals it is nested in), its programme as a
// schedule one day at a time and per location, the requests waiting for
// your answer (Grant, Deny with a reason), your own requests (withdraw
// one; ask again at a free time after a denial), the conflicts in words,
// its resources with their calendars, a map of its locations drawn
// relative to each other with those known only by address or URL beside
// it, the festivals inside it, the programme as iCalendar, and the forms
// adding an event (saying which resources are free then), a resource and
// a festival inside this one. Times are the schedule's stated times, in
// UTC. People are shown by name.
import { h, replace, statusLine, errorText } from '../dom.js';
import { api, request } from '../api.js';
import { locationMap } from '../festivalmap.js';
import { resourceList, resourceForm } from '../festivalresources.js';
import { day, clock, spanText, dayTitle, rfc3339, inputText, dayClock, freeWindows, suggest, resourceState, who } from '../festivaltime.js';

// timed runs fn and leaves its duration on the page's performance
// timeline ("festival draw programme"), where bench/festivalpage reads it.
function timed(name, fn) {
  const t = performance.now();
  const v = fn();
  performance.measure('festival ' + name, { start: t });
  return v;
}

const statusWords = { pending: 'waiting for its owner', granted: 'granted', denied: 'denied', withdrawn: 'withdrawn' };

// Long lists show this many first, and a button for the rest.
const FIRST = 50;

export default async function festival(main, ctx) {
  const id = ctx.params[0];
  const path = '/festivals/' + encodeURIComponent(id);
  const me = () => ctx.me.account;
  ctx.title('Festival');
  const status = statusLine('festival-status');
  const crumbs = h('ol', { class: 'crumbs' });
  const breadcrumb = h('nav', { class: 'breadcrumb', 'aria-label': 'Where this festival is', dataset: { testid: 'festival-breadcrumb' } }, crumbs);
  replace(crumbs, h('li', {}, h('a', { href: '#/festivals', text: 'Festivals' })));
  const title = h('h1', { tabindex: '-1', dataset: { testid: 'festival-title' }, text: 'Festival' });
  const about = h('p', { class: 'muted', dataset: { testid: 'festival-about' } });
  // Where the festival lives (festival.md §3 "Homes"): who receives it.
  const homeLine = h('p', { class: 'muted festival-home', dataset: { testid: 'festival-home-shown' } });
  homeLine.hidden = true;
  const ics = h('a', { href: '/api/v1' + path + '/programme.ics', download: 'programme.ics', dataset: { testid: 'festival-ics' }, text: 'Download the programme (.ics)' });
  const waiting = h('ul', { class: 'festival-waiting', dataset: { testid: 'festival-waiting' } });
  const waitingBox = h('section', { class: 'card', 'aria-labelledby': 'festival-waiting-heading', hidden: true },
    h('h2', { id: 'festival-waiting-heading', text: 'Waiting for your answer' }), waiting);
  const mine = h('ul', { class: 'festival-mine', dataset: { testid: 'festival-mine' } });
  const mineBox = h('section', { class: 'card', 'aria-labelledby': 'festival-mine-heading', hidden: true },
    h('h2', { id: 'festival-mine-heading', text: 'Your requests' }), mine);
  const conflicts = h('ul', { class: 'festival-conflicts', dataset: { testid: 'festival-conflicts' } });
  const conflictsBox = h('section', { class: 'card conflicts', 'aria-labelledby': 'festival-conflicts-heading', hidden: true },
    h('h2', { id: 'festival-conflicts-heading', text: 'Conflicts' }), conflicts);
  const dayTabs = h('div', { class: 'day-tabs', role: 'group', 'aria-label': 'Days', dataset: { testid: 'festival-day-tabs' } });
  const programme = h('div', { class: 'festival-programme', dataset: { testid: 'festival-programme' } });
  const resources = h('ul', { class: 'festival-resources', dataset: { testid: 'festival-resources' } });
  const mapBox = h('div', { class: 'festival-map', dataset: { testid: 'festival-map' } });
  const nested = h('ul', { class: 'festival-nested', dataset: { testid: 'festival-nested' } });
  const subName = h('input', { id: 'festival-sub-name', type: 'text', maxlength: 100, required: true, autocomplete: 'off', dataset: { testid: 'festival-sub-name' } });
  const subStatus = statusLine('festival-sub-status');
  const subSubmit = h('button', { type: 'submit', dataset: { testid: 'festival-sub-create' }, text: 'Create it inside' });
  const subForm = h('form', { class: 'festival-form', dataset: { testid: 'festival-sub-form' } },
    h('label', { for: 'festival-sub-name', text: 'A festival inside this one (a stage’s line-up, a kids’ corner): its name' }), subName,
    h('div', { class: 'row' }, subSubmit), subStatus);
  const nestedBox = h('section', { class: 'card', 'aria-labelledby': 'festival-nested-heading' },
    h('h2', { id: 'festival-nested-heading', text: 'Festivals inside it' }), nested, subForm);

  // The event form.
  const eName = h('input', { id: 'event-name', type: 'text', maxlength: 200, required: true, autocomplete: 'off', dataset: { testid: 'event-name' } });
  const eText = h('input', { id: 'event-text', type: 'text', maxlength: 2000, autocomplete: 'off', dataset: { testid: 'event-text' } });
  const eStart = h('input', { id: 'event-start', type: 'text', required: true, autocomplete: 'off', placeholder: '2026-07-04 20:00', dataset: { testid: 'event-start' } });
  const eEnd = h('input', { id: 'event-end', type: 'text', required: true, autocomplete: 'off', placeholder: '2026-07-04 22:00', dataset: { testid: 'event-end' } });
  const eNeeds = h('fieldset', { class: 'needs', dataset: { testid: 'event-needs' } }, h('legend', { text: 'What it needs' }));
  const eStatus = statusLine('event-status');
  const eSubmit = h('button', { type: 'submit', dataset: { testid: 'event-submit' }, text: 'Add the event' });
  const eForm = h('form', { class: 'card festival-form', dataset: { testid: 'event-form' }, 'aria-labelledby': 'event-form-heading' },
    h('h2', { id: 'event-form-heading', text: 'Add an event' }),
    h('label', { for: 'event-name', text: 'Name' }), eName,
    h('label', { for: 'event-text', text: 'Description (optional)' }), eText,
    h('div', { class: 'coords' },
      h('div', {}, h('label', { for: 'event-start', text: 'Starts (UTC, YYYY-MM-DD HH:MM)' }), eStart),
      h('div', {}, h('label', { for: 'event-end', text: 'Ends (UTC)' }), eEnd)),
    eNeeds,
    h('div', { class: 'row' }, eSubmit), eStatus);

  main.append(h('div', { class: 'festival-page' },
    breadcrumb, title, about, homeLine, status,
    h('p', {}, ics),
    waitingBox, mineBox, conflictsBox,
    h('section', { 'aria-labelledby': 'festival-programme-heading' }, h('h2', { id: 'festival-programme-heading', text: 'Programme' }), dayTabs, programme),
    h('section', { 'aria-labelledby': 'festival-map-heading' }, h('h2', { id: 'festival-map-heading', text: 'Map of the places' }), mapBox),
    h('section', { 'aria-labelledby': 'festival-resources-heading' }, h('h2', { id: 'festival-resources-heading', text: 'Resources and their bookings' }), resources),
    nestedBox, eForm, resourceForm(path, () => load())));

  let f = null;
  let shown = null;
  let byId = new Map();
  let selectedDay = null;
  let loading = null;
  let again = false;
  // load reads the festival; calls while one runs make one more read after it.
  async function load() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        try {
          const t = performance.now();
          const asked = selectedDay || 'first';
          const got = await request('GET', path + '?day=' + encodeURIComponent(asked));
          performance.measure('festival fetch', { start: t });
          if (!ctx.alive()) return;
          // Another day was chosen meanwhile: read that one.
          if (asked !== (selectedDay || 'first')) {
            again = true;
            continue;
          }
          // The first answer is drawn at once, and kept as text after;
          // a later one is drawn only when it differs.
          const text = shown === null ? null : timed('compare', () => JSON.stringify(got));
          if (text === null || text !== shown) {
            f = got;
            selectedDay = selectedDay || got.day || null;
            timed('draw', draw);
            shown = text;
            if (text === null) setTimeout(() => { if (shown === null && f === got) shown = JSON.stringify(got); }, 0);
          }
        } catch (err) {
          if (ctx.alive()) status.set(errorText(err), 'error');
        }
      } while (again && ctx.alive());
    })();
    try {
      await loading;
    } finally {
      loading = null;
    }
  }

  // crumbsOf walks up the parents, from the list of festivals held here.
  async function drawCrumbs() {
    if (!f.parent) return;
    try {
      const fs = (await request('GET', '/festivals')).festivals || [];
      const all = new Map(fs.map((x) => [x.id, x]));
      const up = [];
      for (let p = f.parent; p && up.length < 8; p = all.get(p) && all.get(p).parent) {
        up.unshift({ id: p, name: (all.get(p) && all.get(p).name) || (p === f.parent ? f.parent_name : '') || p });
      }
      replace(crumbs, h('li', {}, h('a', { href: '#/festivals', text: 'Festivals' })),
        ...up.map((p) => h('li', {}, h('a', { href: '#/festival/' + p.id, dataset: { testid: 'festival-crumb' }, ptext: p.name }))),
        h('li', { 'aria-current': 'page' }, h('span', { ptext: f.name })));
    } catch {
      // The link in the about line still leads up.
    }
  }

  // homeNames: the names of this node's villages and spaces, read once.
  let homeNames = null;
  async function drawHome() {
    if (!f.home) {
      homeLine.hidden = true;
      return;
    }
    if (!homeNames) {
      homeNames = new Map();
      try {
        const [vs, ss] = await Promise.all([api.villages(), api.spaces()]);
        for (const v of vs.villages || []) homeNames.set(v.id, { kind: 'village', name: v.name || v.id });
        for (const sp of ss.spaces || []) homeNames.set(sp.id, { kind: 'space', name: sp.name || sp.id });
      } catch {
        // Said with the id below.
      }
    }
    const k = homeNames.get(f.home) || { kind: '', name: f.home };
    const unread = f.sealed ? ` ${f.sealed === 1 ? 'One entry is' : f.sealed + ' entries are'} sealed with a key this device does not hold (written after it left the space, or not yet shared with it).` : '';
    homeLine.textContent = k.kind === 'space'
      ? `Sealed in the space ${k.name}: only its members read it.${unread}`
      : k.kind === 'village'
        ? `Lives in the village ${k.name}: only its locals receive it.`
        : `Lives in ${k.name}: only its locals or members receive it.${unread}`;
    homeLine.hidden = false;
  }

  function draw() {
    ctx.title(f.name);
    title.textContent = f.name;
    title.dir = 'auto';
    byId = new Map(f.resources.map((r) => [r.id, r]));
    replace(about, f.text ? h('span', { class: 'festival-text', ptext: f.text }) : null, 'Created by ', h('bdi', { text: who(f.creator) }),
      f.parent ? [' inside ', h('a', { href: '#/festival/' + f.parent, ptext: f.parent_name || f.parent })] : null,
      f.cancelled ? '. Withdrawn by its founder.' : '.',
      f.ref ? [' Others open it with ', h('code', { class: 'ref', dataset: { testid: 'festival-ref-shown' }, text: f.ref })] : null);
    drawHome();
    if (!crumbs.dataset.drawn) {
      crumbs.dataset.drawn = '1';
      drawCrumbs();
    }
    timed('draw waiting', drawWaiting);
    timed('draw mine', drawMine);
    timed('draw conflicts', drawConflicts);
    timed('draw programme', drawProgramme);
    const freed = new Map();
    for (const e of f.programme) {
      for (const q of e.requests) {
        if (q.status !== 'withdrawn') continue;
        if (!freed.has(q.resource)) freed.set(q.resource, []);
        freed.get(q.resource).push(q);
      }
    }
    timed('draw resources', () => resourceList(resources, f.resources, freed));
    timed('draw map', () => replace(mapBox, locationMap(f.resources)));
    replace(nested, ...f.nested.map((n) => h('li', { dataset: { testid: 'festival-nested-item', id: n.id } }, h('a', { href: '#/festival/' + n.id, ptext: n.name }),
      n.cancelled ? ' (withdrawn)' : null)),
    f.nested.length ? null : h('li', { class: 'muted', text: 'None yet.' }));
    subForm.hidden = !!f.cancelled;
    timed('draw needs', drawNeeds);
  }

  // capped shows the first items of a long list (built by item), and a
  // button for the rest.
  function capped(list, xs, item, testid) {
    if (xs.length <= FIRST) return replace(list, ...xs.map(item));
    const more = h('button', { type: 'button', class: 'secondary', dataset: { testid }, text: `Show all ${xs.length}` });
    more.addEventListener('click', () => replace(list, ...xs.map(item)));
    return replace(list, ...xs.slice(0, FIRST).map(item), h('li', {}, more));
  }

  // ownerName: "Ann" for a resource's owner ("you" for yours).
  const ownerName = (q) => (byId.get(q.resource) ? who(byId.get(q.resource).owner) : 'its owner');

  // reasonText says a request's reason with people's names: a denial by
  // hand names the owner.
  function reasonText(q) {
    if (!q.reason) return '';
    if (q.reason.startsWith('denied by the owner')) return `denied by ${ownerName(q)} (its owner)` + q.reason.slice('denied by the owner'.length);
    return q.reason;
  }

  // requestWords: "denied — <reason>", or the reason alone when it says
  // the status itself ("denied by Ann (its owner): …").
  function requestWords(q) {
    const w = statusWords[q.status] || q.status;
    if (!q.reason || q.reason.startsWith('waiting for the owner')) return w;
    const r = reasonText(q);
    return r.startsWith(w + ' ') ? r : w + ' — ' + r;
  }

  function drawWaiting() {
    waitingBox.hidden = !f.waiting.length;
    capped(waiting, f.waiting, (q) => {
      const st = statusLine();
      const reason = h('input', { type: 'text', maxlength: 1000, autocomplete: 'off', 'aria-label': 'Why (optional, shown to them when you deny)', placeholder: 'Why (optional, shown when you deny)', dataset: { testid: 'festival-deny-reason' } });
      const grant = h('button', { type: 'button', dataset: { testid: 'festival-grant' }, text: 'Grant' });
      const deny = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'festival-deny' }, text: 'Deny' });
      const answer = async (decision) => {
        grant.disabled = deny.disabled = true;
        try {
          await request('POST', path + '/authorize', { request: q.id, resource: q.resource, decision, reason: decision === 'deny' ? reason.value.trim() : '' });
          ctx.announce(decision === 'grant' ? 'Granted.' : 'Denied.');
          await load();
        } catch (err) {
          st.set(errorText(err), 'error');
        } finally {
          grant.disabled = deny.disabled = false;
        }
      };
      grant.addEventListener('click', () => answer('grant'));
      deny.addEventListener('click', () => answer('deny'));
      return h('li', { dataset: { testid: 'festival-waiting-item', id: q.id } },
        h('p', { dataset: { testid: 'festival-waiting-text' } },
          h('bdi', { text: who(q.requester) }), ' asks for ', h('bdi', { text: q.resource_name }), ' for ', h('bdi', { text: q.event_name }), ', ', spanText(q.span), '.'),
        q.reason && !q.reason.startsWith('waiting for the owner') ? h('p', { class: 'muted', text: q.reason }) : null,
        q.reason && q.reason.startsWith('waiting for the owner') && q.reason.includes(';') ? h('p', { class: 'muted', text: q.reason.slice(q.reason.indexOf(';') + 2) }) : null,
        h('div', { class: 'row' }, reason, grant, deny), st);
    }, 'festival-waiting-more');
  }

  // drawMine: the requests of your events (not cancelled), each with what
  // you can do: withdraw it, or after a denial ask again at a free time.
  function drawMine() {
    const qs = f.programme.filter((e) => e.author.account === me() && !e.cancelled).flatMap((e) => e.requests.filter((q) => q.status !== 'withdrawn'));
    mineBox.hidden = !qs.length;
    capped(mine, qs, mineItem, 'festival-mine-more');
  }

  function mineItem(q) {
    const st = statusLine();
    const what = q.status === 'pending' ? `waiting for ${ownerName(q)} (its owner)` : q.status === 'granted' ? (q.confirmed ? 'granted' : 'granted, its owner’s node has not confirmed yet') : reasonText(q) || 'denied';
    const item = h('li', { dataset: { testid: 'festival-mine-item', id: q.id, resource: q.resource_name, status: q.status } },
      h('p', { dataset: { testid: 'festival-mine-text' } }, h('bdi', { text: q.resource_name }), ' for ', h('bdi', { text: q.event_name }), ', ', spanText(q.span), ': ',
        q.status === 'denied' && !what.startsWith('denied') ? 'denied — ' : '', what + '.'));
    if (q.status === 'pending' || q.status === 'granted') {
      const w = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'festival-withdraw' }, text: q.status === 'granted' ? 'Give it back' : 'Withdraw the request' });
      w.addEventListener('click', async () => {
        w.disabled = true;
        try {
          await request('POST', path + '/withdraw', { target: q.id, reason: '' });
          ctx.announce('Withdrawn.');
          await load();
        } catch (err) {
          st.set(errorText(err), 'error');
          w.disabled = false;
        }
      });
      item.append(h('div', { class: 'row' }, w), st);
      return item;
    }
    const r = byId.get(q.resource);
    if (!r || r.withdrawn) return item;
    const d = day(q.span.start);
    const free = freeWindows(r, d);
    item.append(h('p', { class: 'muted', dataset: { testid: 'festival-free' } }, h('bdi', { text: r.name }), ' ',
      free.length ? `is free on ${dayTitle(d)}: ${free.map((w) => dayClock(w, d)).join(', ')} (UTC).` : `is not free on ${dayTitle(d)}.`));
    const s = suggest(free, q.span);
    const start = h('input', { type: 'text', autocomplete: 'off', 'aria-label': 'From (UTC)', value: s ? inputText(s.start) : '', placeholder: '2026-07-04 14:00', dataset: { testid: 'festival-retry-start' } });
    const end = h('input', { type: 'text', autocomplete: 'off', 'aria-label': 'To (UTC)', value: s ? inputText(s.end) : '', placeholder: '2026-07-04 16:00', dataset: { testid: 'festival-retry-end' } });
    const ask = h('button', { type: 'submit', dataset: { testid: 'festival-retry' }, text: 'Ask for this time' });
    const form = h('form', { class: 'row retry', dataset: { testid: 'festival-retry-form' } }, start, h('span', { text: 'to' }), end, ask);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const a = rfc3339(start.value);
      const b = rfc3339(end.value);
      if (!a || !b) {
        st.set('Write the times as 2026-07-04 14:00 (UTC).', 'error');
        (a ? end : start).focus();
        return;
      }
      ask.disabled = true;
      try {
        await request('POST', path + '/requests', { event: q.event, resource: q.resource, start: a, end: b });
        ctx.announce('Asked.');
        await load();
      } catch (err) {
        st.set(errorText(err), 'error');
      } finally {
        ask.disabled = false;
      }
    });
    item.append(form, st);
    return item;
  }

  // conflictList: the API's conflicts (requests that ran into a booking)
  // and the requests denied because the owner confirmed a concurrent one
  // first (festival.md §3, "Authorizations"), which the API leaves out.
  function conflictList() {
    const seen = new Set(f.conflicts.map((q) => q.id + ' ' + q.resource));
    const more = f.programme.flatMap((e) => e.requests)
      .filter((q) => q.status === 'denied' && q.reason.startsWith('the owner confirmed ') && !seen.has(q.id + ' ' + q.resource));
    return [...f.conflicts, ...more];
  }

  function drawConflicts() {
    const cs = conflictList();
    conflictsBox.hidden = !cs.length;
    capped(conflicts, cs, (q) => h('li', { dataset: { testid: 'festival-conflict', id: q.id } },
      h('bdi', { text: q.event_name }), ` (${who(q.requester)}, ${spanText(q.span)}): `,
      q.status === 'denied' ? 'denied: ' : 'waiting: ', h('span', { ptext: q.reason })), 'festival-conflicts-more');
  }

  // drawProgramme draws the day the API answered (?day=): a festival of
  // thousands of events stays quick; buttons load another day.
  function drawProgramme() {
    if (!f.days.length) {
      replace(dayTabs);
      replace(programme, h('p', { class: 'empty', text: 'No event yet. Add one below.' }));
      return;
    }
    replace(dayTabs, ...(f.days.length < 2 ? [] : f.days.map(({ day: d, events }) => {
      const b = h('button', { type: 'button', class: d === f.day ? '' : 'secondary', 'aria-pressed': d === f.day ? 'true' : 'false', dataset: { testid: 'festival-day-tab', day: d },
        text: `${dayTitle(d)} (${events})` });
      b.addEventListener('click', () => {
        selectedDay = d;
        load();
      });
      return b;
    })));
    const byPlace = new Map();
    for (const e of f.programme.filter((x) => day(x.span.start) === f.day)) {
      for (const p of e.places.length ? e.places : ['']) {
        if (!byPlace.has(p)) byPlace.set(p, []);
        byPlace.get(p).push(e);
      }
    }
    const keys = [...byPlace.keys()].sort((a, b) => (a === '') - (b === '') || a.localeCompare(b));
    replace(programme, h('section', { class: 'festival-day', dataset: { testid: 'festival-day', day: f.day } },
      h('h3', { text: dayTitle(f.day) }),
      h('div', { class: 'festival-places' }, ...keys.map((p) => h('div', { class: 'festival-place card', dataset: { testid: 'festival-place', place: p } },
        h('h4', p ? { ptext: p } : { text: 'No place yet' }),
        h('ol', { class: 'festival-events' }, ...byPlace.get(p).map(eventItem)))))));
  }

  function eventItem(e) {
    const holds = e.requests.filter((q) => q.status === 'granted').map((q) => q.resource_name);
    const others = e.requests.filter((q) => q.status !== 'granted');
    const li = h('li', { class: 'festival-event' + (e.cancelled ? ' cancelled' : ''), dataset: { testid: 'festival-event', id: e.id } },
      h('span', { class: 'when', dataset: { testid: 'festival-event-time' }, text: `${clock(e.span.start)}–${day(e.span.end) === day(e.span.start) ? '' : day(e.span.end) + ' '}${clock(e.span.end)}` }), ' ',
      h('strong', { ptext: e.name, dataset: { testid: 'festival-event-name' } }),
      e.cancelled ? h('span', { dataset: { testid: 'festival-event-cancelled' }, text: ' (cancelled)' }) : null,
      h('span', { class: 'muted' }, ' by ', h('bdi', { text: who(e.author) })),
      e.text ? h('p', { class: 'muted', ptext: e.text }) : null,
      holds.length ? h('p', { class: 'holds', dataset: { testid: 'festival-event-holds' } }, 'Holds ', h('bdi', { text: holds.join(', ') }),
        e.requests.some((q) => q.status === 'granted' && !q.confirmed) ? ' (its owner’s node has not confirmed yet)' : null) : null,
      ...others.map((q) => h('p', { class: 'request ' + q.status, dataset: { testid: 'festival-event-request', status: q.status } },
        h('bdi', { text: q.resource_name }), ': ', requestWords(q))));
    if (e.author.account === me() && !e.cancelled) li.append(cancelButton(e));
    return li;
  }

  // cancelButton: the organiser cancels their event, after a second click;
  // its resources are given back.
  function cancelButton(e) {
    const st = statusLine();
    const ask = h('button', { type: 'button', class: 'secondary small', dataset: { testid: 'festival-cancel' }, text: 'Cancel the event…' });
    const yes = h('button', { type: 'button', class: 'small', hidden: true, dataset: { testid: 'festival-cancel-confirm' }, text: 'Yes, cancel it and give back what it holds' });
    const box = h('div', { class: 'row' }, ask, yes, st);
    ask.addEventListener('click', () => {
      yes.hidden = !yes.hidden;
      ask.textContent = yes.hidden ? 'Cancel the event…' : 'Keep it';
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await request('POST', path + '/withdraw', { target: e.id, reason: 'cancelled by its organiser' });
        ctx.announce(`${e.name} cancelled.`);
        await load();
      } catch (err) {
        st.set(errorText(err), 'error');
        yes.disabled = false;
      }
    });
    return box;
  }

  // drawNeeds lists the resources as needs, each saying whether it is free
  // at the times written in the form.
  function drawNeeds() {
    const keep = new Set([...eNeeds.querySelectorAll('input:checked')].map((c) => c.value));
    const live = f.resources.filter((r) => !r.withdrawn);
    replace(eNeeds, h('legend', { text: 'What it needs' }),
      ...live.map((r) => h('label', { class: 'need' },
        h('input', { type: 'checkbox', value: r.id, checked: keep.has(r.id), dataset: { testid: 'event-need', name: r.name } }), ' ', h('span', { ptext: r.name }),
        h('span', { class: 'need-state muted', dataset: { testid: 'event-need-state', name: r.name } }))),
      live.length ? null : h('p', { class: 'muted', text: 'No resource yet: add one below first, or add the event without.' }));
    needStates();
  }

  function needStates() {
    const start = rfc3339(eStart.value);
    const end = rfc3339(eEnd.value);
    const span = start && end && Date.parse(end) > Date.parse(start) ? { start, end } : null;
    const byName = new Map();
    for (const x of f ? f.resources : []) if (!x.withdrawn && !byName.has(x.name)) byName.set(x.name, x);
    for (const el of eNeeds.querySelectorAll('[data-testid=event-need-state]')) {
      const r = byName.get(el.dataset.name);
      if (!span || !r) {
        el.textContent = '';
        el.className = 'need-state muted';
        continue;
      }
      const why = resourceState(r, span);
      el.textContent = why ? ` — ${why}` : ' — free then';
      el.className = 'need-state ' + (why ? 'busy' : 'free');
    }
  }
  eStart.addEventListener('input', needStates);
  eEnd.addEventListener('input', needStates);

  eForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = eName.value.trim();
    const start = rfc3339(eStart.value);
    const end = rfc3339(eEnd.value);
    if (!name) {
      eStatus.set('Give the event a name.', 'error');
      eName.focus();
      return;
    }
    if (!start || !end) {
      eStatus.set('Write the times as 2026-07-04 20:00 (UTC).', 'error');
      (start ? eEnd : eStart).focus();
      return;
    }
    const needs = [...eNeeds.querySelectorAll('input:checked')].map((c) => c.value);
    eSubmit.disabled = true;
    try {
      await request('POST', path + '/events', { name, text: eText.value.trim(), start, end, needs });
      eStatus.set(`Added ${name}.`);
      eName.value = eText.value = '';
      eNeeds.querySelectorAll('input:checked').forEach((c) => { c.checked = false; });
      selectedDay = day(start);
      await load();
    } catch (err) {
      eStatus.set(errorText(err), 'error');
    } finally {
      eSubmit.disabled = false;
    }
  });

  subForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = subName.value.trim();
    if (!name) {
      subStatus.set('Give the festival a name.', 'error');
      subName.focus();
      return;
    }
    subSubmit.disabled = true;
    try {
      const r = await request('POST', '/festivals', { name, parent: id });
      ctx.announce('Festival created.');
      location.hash = '#/festival/' + r.festival;
    } catch (err) {
      subStatus.set(errorText(err), 'error');
    } finally {
      subSubmit.disabled = false;
    }
  });

  ctx.on('entry', (d) => {
    if (d && typeof d.type === 'string' && d.type.startsWith('festival.')) load();
  });
  ctx.on('resync', load);
  await load();
}
