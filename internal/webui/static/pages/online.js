// pages/online.js: who is online at this node's hubs (GET /api/v1/online,
// doc/protocol/services.md §7), live from the event stream's "presence"
// and "signal" events: a section for the people page, and the dots that
// mark an online person or peer ("online via HUB NAME") on any page.
import { h, replace, statusLine, errorText, shortId, timeEl } from '../dom.js';
import { api } from '../api.js';
import { cleanName } from '../peertext.js';

function hubName(hub) {
  return cleanName(hub.name) || shortId(hub.device);
}

// dot is the mark of an online device: a dot and "online via HUB".
function dot(p) {
  const via = 'online via ' + p.hubs.map(hubName).join(', ');
  return h('span', { class: 'online', dataset: { testid: 'online-dot' } },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), h('bdi', { text: via }));
}

// markOnline puts a dot in every element of root whose data-account or
// data-device is online, and takes it from the others.
function markOnline(root, online) {
  root.querySelectorAll('[data-marked]').forEach((el) => el.remove());
  for (const p of online) {
    root.querySelectorAll(`[data-device="${p.device}"] h3, [data-account="${p.account}"] .who`).forEach((el) => {
      const d = dot(p);
      d.dataset.marked = '1';
      el.append(d);
    });
  }
}

// onlineSection is the "Online now" section: who is online, the hubs this
// node is online at, the messages that came and a form to send one. It
// marks online people and peers found in root too.
export function onlineSection(ctx, root) {
  const heading = h('h2', { id: 'online-heading', text: 'Online now' });
  const status = statusLine('online-status');
  const list = h('ul', { class: 'people', dataset: { testid: 'online-list' }, 'aria-labelledby': 'online-heading' });
  const hubs = h('p', { class: 'muted', dataset: { testid: 'online-hubs' } });
  const signals = h('ul', { class: 'signals', dataset: { testid: 'signals' }, 'aria-label': 'Messages through hubs' });
  const to = h('select', { id: 'signal-to', dataset: { testid: 'signal-to' } });
  const text = h('input', { id: 'signal-text', type: 'text', maxlength: 1024, autocomplete: 'off', dataset: { testid: 'signal-text' } });
  const sendStatus = statusLine('signal-status');
  const form = h('form', { class: 'inline-form', dataset: { testid: 'signal-form' }, hidden: true },
    h('label', { for: 'signal-to', text: 'Send a short message to' }), to,
    h('label', { for: 'signal-text', text: 'Message (not stored: it reaches them only while they are online)' }),
    h('div', { class: 'row' }, text, h('button', { type: 'submit', dataset: { testid: 'signal-send' }, text: 'Send' })),
    sendStatus);
  const section = h('section', { 'aria-labelledby': 'online-heading', dataset: { testid: 'online' } },
    heading, status, hubs, list, form, signals);

  async function load() {
    let o;
    try {
      o = await api.online();
      status.set('');
    } catch (err) {
      if (err.code === 'not_serving') {
        replace(hubs, 'The network is not running, so nobody’s presence is known.');
        replace(list);
        form.hidden = true;
        return;
      }
      status.set(errorText(err), 'error');
      return;
    }
    replace(hubs, o.hubs.length
      ? 'This node is online at ' + o.hubs.map(hubName).join(', ') + '. People who follow you and whom you follow back, or who share a village with you, see when you are online there.'
      : 'This node is online at no hub: add one that offers presence (hubs in config.toml, or connect to it under Peers).');
    heading.textContent = `Online now (${o.online.length})`;
    replace(list, ...(o.online.length ? o.online.map((p) => h('li', { class: 'person', dataset: { testid: 'online-person', device: p.device } },
      h('div', { class: 'who' },
        h('a', { href: '#/account/' + p.account, ptext: cleanName(p.name) || shortId(p.account) }),
        p.device_name ? h('span', { class: 'muted' }, ' on ', h('bdi', { text: p.device_name })) : null,
        ' ', dot(p)))) : [h('li', { class: 'empty', text: 'Nobody you follow is online at your hubs right now.' })]));
    const chosen = to.value;
    replace(to, ...o.online.map((p) => h('option', { value: p.device, text: (cleanName(p.name) || shortId(p.account)) + (p.device_name ? ' on ' + p.device_name : '') })));
    if (chosen) to.value = chosen;
    form.hidden = !o.online.length;
    replace(signals, ...o.signals.slice().reverse().map((s) => h('li', { dataset: { testid: 'signal' } },
      h('strong', { ptext: cleanName(s.from_name) || shortId(s.from_account) }), ' ', timeEl(Date.parse(s.received)), ': ',
      h('bdi', { text: s.text }))));
    if (root) markOnline(root, o.online);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value) {
      sendStatus.set('Write the message first.', 'error');
      text.focus();
      return;
    }
    try {
      const r = await api.sendSignal(to.value, text.value);
      sendStatus.set('Handed on by ' + hubName(r.hub) + '.', 'ok');
      text.value = '';
    } catch (err) {
      sendStatus.set(errorText(err), 'error');
    }
  });

  ctx.on('presence', load);
  ctx.on('signal', load);
  ctx.on('resync', load);
  load();
  return { section, load };
}
