// pages/devicepair.js: "Add a device": show a pairing code (and its QR
// code) that a new device of yours uses, without the recovery phrase, and
// follow what becomes of it (doc/protocol/pairing.md).
import { h, replace, statusLine, errorText, copyText, bdi } from '../dom.js';
import { api } from '../api.js';
import { qrImage } from './invite.js';

const tf = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export default async function devicePair(main, ctx) {
  ctx.title('Add a device');
  const create = h('button', { type: 'button', dataset: { testid: 'pair-create' }, text: 'Show a pairing code' });
  const status = statusLine('pair-status');
  const result = h('div', { class: 'invite-result', dataset: { testid: 'pair-result' }, hidden: true });
  let current = null; // the code being shown
  // On a device without the account key, the recovery phrase certifies
  // the new device: the node keeps the key derived from it for this code
  // alone.
  const phrase = h('textarea', { id: 'pair-phrase', rows: 3, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', dataset: { testid: 'pair-phrase' } });
  const pass = h('input', { id: 'pair-passphrase', type: 'password', autocomplete: 'off', dataset: { testid: 'pair-passphrase' } });
  const phraseBox = h('div', { dataset: { testid: 'pair-phrase-box' }, hidden: true },
    h('p', { text: 'This device does not hold your account key. Type your recovery phrase: it certifies the new device and is forgotten once the code is used or expires.' }),
    h('label', { for: 'pair-phrase', text: 'Recovery phrase (24 words)' }), phrase,
    h('label', { for: 'pair-passphrase', text: 'Phrase passphrase (only if the account has one)' }), pass);
  api.devices().then((d) => {
    const me = d.devices.find((x) => x.this_device);
    phraseBox.hidden = !!(me && me.account_key === 'held');
  }, () => {});

  async function follow(p) {
    let last = { state: 'pending', in_use: false, failures: 0 };
    while (ctx.alive() && current === p.id) {
      let st;
      try {
        st = await api.pairingStatus(p.id, 10);
      } catch (err) {
        if (ctx.alive()) status.set(errorText(err), 'error');
        return;
      }
      if (!ctx.alive() || current !== p.id) return;
      if (st.failures > last.failures) {
        status.set(`A device tried a wrong code (${st.attempts_left === 1 ? '1 attempt' : st.attempts_left + ' attempts'} left).`, 'error');
      } else if (st.in_use && !last.in_use) {
        status.set('A device is proving the code…');
      }
      last = st;
      switch (st.state) {
        case 'pending':
          continue;
        case 'used':
          replace(result, h('p', { class: 'status ok', dataset: { testid: 'pair-joined' } },
            bdi(st.name || 'A device without a name'), ` (${st.device}) is now a device of your account.`));
          status.set('Paired.', 'ok');
          break;
        case 'expired':
          status.set('The code expired before a device used it. Show a new one.', 'error');
          break;
        case 'void':
          status.set('The code was tried wrongly 3 times and no longer works. Show a new one and copy it exactly.', 'error');
          break;
        default:
          status.set('The code no longer works.', 'error');
      }
      current = null;
      create.disabled = false;
      return;
    }
  }

  create.addEventListener('click', async () => {
    let auth;
    if (!phraseBox.hidden) {
      const words = phrase.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length !== 24) {
        status.set(`The phrase has ${words.length} words; it needs 24.`, 'error');
        phrase.focus();
        return;
      }
      auth = { phrase: words.join(' '), phrase_passphrase: pass.value };
    }
    create.disabled = true;
    status.set('Making a code…');
    try {
      const p = await api.newPairing(0, auth);
      phrase.value = '';
      pass.value = '';
      current = p.id;
      const code = h('textarea', { id: 'pair-code', readonly: true, rows: 4, spellcheck: 'false', dataset: { testid: 'pair-code' }, value: p.code });
      const copyStatus = statusLine('pair-copy-status');
      const qr = qrImage(p.qr_svg);
      if (qr) {
        qr.alt = 'The pairing code as a QR code';
        qr.dataset.testid = 'pair-qr';
      }
      const cancel = h('button', {
        type: 'button', class: 'secondary', dataset: { testid: 'pair-cancel' }, text: 'Cancel the code',
        onclick: async () => {
          try {
            await api.cancelPairing(p.id);
          } catch (err) {
            status.set(errorText(err), 'error');
          }
        },
      });
      replace(result,
        qr ? h('figure', { class: 'qr-box' }, qr, h('figcaption', { text: 'Scan it with the new device, or type the code there.' })) : null,
        h('label', { for: 'pair-code', text: 'Pairing code' }),
        code,
        h('div', { class: 'row' },
          h('button', {
            type: 'button', dataset: { testid: 'pair-copy' }, text: 'Copy code',
            onclick: async () => copyStatus.set(await copyText(p.code, code) ? 'Code copied.' : 'Copying failed: select the code and copy it.', 'ok'),
          }),
          cancel),
        copyStatus,
        h('p', {}, 'It works once, until ', h('strong', { text: tf.format(new Date(p.expires)) }),
          '. On the new device, open kith and choose “I have another device”, or run ', h('code', { text: 'kith init --pair CODE --name phone' }), '.'));
      result.hidden = false;
      status.set('Waiting for the new device…');
      follow(p);
    } catch (err) {
      status.set(errorText(err), 'error');
      create.disabled = false;
    }
  });

  main.append(
    h('h1', { tabindex: '-1', text: 'Add a device' }),
    h('p', { text: 'A pairing code lets a new device of yours (a phone, another computer) join your account without the recovery phrase. Your account key signs the new one’s certificate; the new device never receives the key. Show the code only on your own screen: whoever uses it first joins your account.' }),
    phraseBox,
    h('div', { class: 'row' }, create),
    status,
    result);
}
