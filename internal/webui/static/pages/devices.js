// pages/devices.js: your account's devices, by name; which of them hold
// the account key (the key that adds and revokes devices); revoking a lost
// one; and taking the account key off this device. Where the account key
// is needed and this device does not hold it, the recovery phrase is
// asked for that one action: the node uses it once and keeps nothing.
import { h, replace, shortId, statusLine, errorText } from '../dom.js';
import { api } from '../api.js';

// phraseFields makes the inputs for a recovery phrase (and its optional
// passphrase), with ids prefixed by id.
function phraseFields(id, label) {
  const phrase = h('textarea', { id: id + '-phrase', rows: 3, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', dataset: { testid: id + '-phrase' } });
  const pass = h('input', { id: id + '-passphrase', type: 'password', autocomplete: 'off', dataset: { testid: id + '-passphrase' } });
  return {
    els: [
      h('label', { for: id + '-phrase', text: label }), phrase,
      h('label', { for: id + '-passphrase', text: 'Phrase passphrase (only if the account has one)' }), pass,
    ],
    // value returns the phrase's words joined by single spaces, or null
    // (and says why in status) when it is not 24 words.
    value(status) {
      const words = phrase.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length !== 24) {
        status.set(`The phrase has ${words.length} words; it needs 24.`, 'error');
        phrase.focus();
        return null;
      }
      return { phrase: words.join(' '), phrase_passphrase: pass.value };
    },
    clear() {
      phrase.value = '';
      pass.value = '';
    },
  };
}

export default async function devices(main, ctx) {
  ctx.title('Your devices');
  const status = statusLine('devices-status');
  const list = h('ul', { class: 'devices', dataset: { testid: 'devices-list' }, 'aria-labelledby': 'devices-heading' });
  const keySection = h('section', { 'aria-labelledby': 'key-heading', dataset: { testid: 'account-key' } });
  const addDevice = h('div', { class: 'add-device' },
    h('p', { class: 'muted', text: 'Pair a phone or another computer with a short-lived code; it joins your account without your recovery phrase.' }),
    h('a', { class: 'button', href: '#/devices/pair', dataset: { testid: 'devices-add' }, text: 'Add a device' }));
  main.append(
    h('h1', { tabindex: '-1', text: 'Your devices' }),
    h('p', { class: 'muted', text: 'Every device of your account has its own key and writes its own posts. The account key, made from your recovery phrase, adds and revokes devices: keep it on as few devices as possible.' }),
    status,
    h('section', { 'aria-labelledby': 'devices-heading' }, h('h2', { id: 'devices-heading', text: 'Devices' }), list, addDevice),
    keySection,
  );

  let data = null;

  function stateText(d) {
    if (d.revoked) return 'Revoked: its posts from before stay; nothing it writes now counts.';
    return d.account_key === 'held' ? 'Holds the account key.' : 'Does not hold the account key.';
  }

  function revokeForm(d, item) {
    const thisHolds = data.devices.some((x) => x.this_device && x.account_key === 'held');
    const st = statusLine('revoke-status');
    const reason = h('input', { id: 'revoke-reason', type: 'text', maxlength: 1000, autocomplete: 'off', placeholder: 'for example: lost', dataset: { testid: 'revoke-reason' } });
    const phrase = thisHolds ? null : phraseFields('revoke', 'Your recovery phrase (this device does not hold the account key; the phrase is used for this revocation only and not kept)');
    const go = h('button', { type: 'submit', class: 'danger', dataset: { testid: 'revoke-confirm' }, text: `Revoke ${d.name || 'this device'}` });
    const form = h('form', { class: 'confirm', dataset: { testid: 'revoke-form' } },
      h('p', {}, h('strong', { text: `Revoke ${d.name || shortId(d.id)}?` }),
        ' Do this for a device that is lost, stolen or given away. It cannot be undone: the device can no longer write for your account, and other people’s nodes stop accepting what it writes from now on.'),
      h('label', { for: 'revoke-reason', text: 'Reason (optional, visible to others)' }), reason,
      phrase ? phrase.els : null,
      h('div', { class: 'row' }, go, h('button', { type: 'button', class: 'secondary', onclick: () => form.remove(), text: 'Cancel' })),
      st);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const auth = phrase ? phrase.value(st) : {};
      if (!auth) return;
      go.disabled = true;
      st.set('Revoking…');
      try {
        await api.revokeDevice(d.id, { reason: reason.value.trim(), ...auth });
        if (phrase) phrase.clear();
        status.set(`${d.name || shortId(d.id)} is revoked.`, 'ok');
        await load();
      } catch (err) {
        st.set(errorText(err), 'error');
        go.disabled = false;
      }
    });
    item.append(form);
    reason.focus();
  }

  function drawDevices() {
    const ds = data.devices;
    // A revoked device can no longer write: it adds and revokes nothing.
    const selfRevoked = ds.some((d) => d.this_device && d.revoked);
    addDevice.hidden = selfRevoked;
    replace(list, ...ds.map((d) => {
      const item = h('li', { class: 'device card' + (d.revoked ? ' revoked' : ''), dataset: { testid: 'device', device: d.id, accountKey: d.account_key, revoked: String(d.revoked) } },
        h('h3', {}, h('bdi', { dir: 'auto', text: d.name || 'Unnamed device' }), d.this_device ? h('span', { class: 'badge', text: ' (this device)' }) : null),
        h('p', { dataset: { testid: 'device-state' }, text: stateText(d) }),
        h('p', { class: 'muted' }, 'Device ', h('code', { class: 'id', text: d.id })));
      if (!d.revoked && !d.this_device && !selfRevoked) {
        item.append(h('div', { class: 'row' },
          h('button', { type: 'button', class: 'secondary', dataset: { testid: 'revoke-open' }, onclick: (e) => {
            e.target.closest('.row').remove();
            revokeForm(d, item);
          }, text: 'Revoke…' })));
      }
      return item;
    }));
  }

  function drawKey() {
    const me = data.devices.find((d) => d.this_device);
    const holders = data.devices.filter((d) => !d.revoked && d.account_key === 'held');
    const names = holders.map((d) => d.name || shortId(d.id));
    let summary = holders.length
      ? `The account key is on ${holders.length === 1 ? '1 device' : holders.length + ' devices'}: ${names.join(', ')}.`
      : 'None of your devices holds the account key. Your recovery phrase can still add and revoke devices.';
    // A revoked device that still holds the key can still add devices
    // to the account: whoever has it should not.
    const stale = data.devices.filter((d) => d.revoked && d.account_key === 'held').map((d) => d.name || shortId(d.id));
    if (stale.length) summary += ` It is also still on ${stale.join(', ')}, revoked: whoever has ${stale.length === 1 ? 'that device' : 'those devices'} can add devices to your account. Remove the key there if you can.`;
    if (!me || me.account_key !== 'held') {
      replace(keySection, h('h2', { id: 'key-heading', text: 'Account key' }), h('p', { dataset: { testid: 'key-summary' }, text: summary + ' This device does not hold it.' }));
      return;
    }
    const st = statusLine('key-remove-status');
    const phrase = phraseFields('key-remove', 'Type your recovery phrase to show it is written down');
    const go = h('button', { type: 'submit', class: 'danger', dataset: { testid: 'key-remove-confirm' }, text: 'Remove the account key from this device' });
    const form = h('form', { class: 'confirm', dataset: { testid: 'key-remove-form' } },
      h('p', { text: 'After this, the recovery phrase (or another device that holds the key) is the only way to add or revoke devices. This device keeps working as before.' }),
      phrase.els,
      h('div', { class: 'row' }, go),
      st);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const auth = phrase.value(st);
      if (!auth) return;
      go.disabled = true;
      st.set('Removing…');
      try {
        await api.removeAccountKey(auth);
        phrase.clear();
        status.set('The account key is no longer on this device.', 'ok');
        await load();
      } catch (err) {
        st.set(errorText(err), 'error');
        go.disabled = false;
      }
    });
    replace(keySection,
      h('h2', { id: 'key-heading', text: 'Account key' }),
      h('p', { dataset: { testid: 'key-summary' }, text: summary }),
      h('details', {}, h('summary', { text: 'Remove the account key from this device…' }), form));
  }

  async function load() {
    try {
      data = await api.devices();
      // This device first, then the others by name; revoked ones last.
      const rank = (d) => (d.this_device ? 0 : d.revoked ? 2 : 1);
      data.devices.sort((a, b) => rank(a) - rank(b) || (a.name || '').localeCompare(b.name || '') || a.id.localeCompare(b.id));
      drawDevices();
      drawKey();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }
  ctx.on('resync', load);
  // A certificate, a revocation or a device's word on the account key
  // arriving from another device changes the list.
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('device.')) load();
  });
  await load();
}
