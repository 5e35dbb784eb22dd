// pages/pairjoin.js: onboarding's "I have another device": make this node
// a new device of your account with the pairing code another of your
// devices shows ("Add a device", or 'kith device pair').
import { h, replace, statusLine, errorText } from '../dom.js';
import { api } from '../api.js';

// pairJoin draws the form in main; done(identity) is called once this
// device is paired, back() goes back to the choices.
export function pairJoin(main, done, back) {
  const status = statusLine('setup-status');
  const code = h('textarea', { id: 'pair-join-code', rows: 4, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', dataset: { testid: 'pair-join-code' } });
  const name = h('input', { id: 'device-name', type: 'text', maxlength: 100, autocomplete: 'off', placeholder: 'for example: phone', dataset: { testid: 'device-name' } });
  const submit = h('button', { type: 'submit', dataset: { testid: 'pair-join-submit' }, text: 'Join my account' });
  const form = h('form', { class: 'setup-form' },
    h('label', { for: 'pair-join-code', text: 'Pairing code' }), code,
    h('label', { for: 'device-name', text: 'Name of this device (optional)' }), name,
    h('div', { class: 'row' },
      submit,
      h('button', { type: 'button', class: 'secondary', onclick: back, text: 'Back' })),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = code.value.trim();
    if (!text) {
      status.set('Paste or type the pairing code your other device shows.', 'error');
      code.focus();
      return;
    }
    submit.disabled = true;
    status.set('Connecting to your other device… this can take up to a minute.');
    try {
      const id = await api.setupPair(text, name.value.trim());
      code.value = '';
      done(id);
    } catch (err) {
      status.set(errorText(err), 'error');
      submit.disabled = false;
    }
  });
  replace(main,
    h('h1', { tabindex: '-1', text: 'Join your account from another device' }),
    h('p', {}, 'On a device where you already use kith, open “Add a device” (or run ', h('code', { text: 'kith device pair' }),
      ') and enter the code it shows here. This device gets its own key and does not need your recovery phrase.'),
    form);
  code.focus();
}
