// pages/onboarding.js: first run, before the node has an account: create
// one (a new recovery phrase, written down and checked) or restore one
// from its phrase. done(identity) is called once the account exists.
import { h, replace, statusLine, errorText } from '../dom.js';
import { api } from '../api.js';
import { pairJoin } from './pairjoin.js';
import { PICTURES } from '../compose.js';

export default function onboarding(main, done) {
  document.title = 'Welcome · kith';

  function focusHeading() {
    const h1 = main.querySelector('h1');
    if (h1) h1.focus();
  }

  function choose() {
    replace(main,
      h('h1', { tabindex: '-1', text: 'Welcome to kith' }),
      h('p', { text: 'kith keeps your posts and those of the people you know on your own devices, and shares them directly between them. First, this device needs an account.' }),
      h('div', { class: 'choices' },
        h('button', { type: 'button', dataset: { testid: 'setup-create' }, onclick: create, text: 'Create a new account' }),
        h('button', { type: 'button', class: 'secondary', dataset: { testid: 'setup-pair' }, onclick: () => pairJoin(main, done, choose), text: 'I have another device' }),
        h('button', { type: 'button', class: 'secondary', dataset: { testid: 'setup-restore' }, onclick: restore, text: 'Restore from recovery phrase' })),
      h('p', { class: 'muted', text: 'Already use kith on another device? Choose “I have another device” and enter the pairing code it shows. Restore if you had an account before and have its 24-word recovery phrase.' }));
    focusHeading();
  }

  function deviceField(id) {
    const input = h('input', { id, type: 'text', maxlength: 100, autocomplete: 'off', placeholder: 'for example: laptop', dataset: { testid: 'device-name' } });
    return { input, els: [h('label', { for: id, text: 'Name of this device (optional)' }), input] };
  }

  async function create() {
    const status = statusLine('setup-status');
    replace(main, h('h1', { tabindex: '-1', text: 'Create a new account' }), status);
    let words;
    try {
      status.set('Making a recovery phrase…');
      words = (await api.newPhrase()).words;
      status.set('');
    } catch (err) {
      status.set(errorText(err), 'error');
      main.append(h('button', { type: 'button', class: 'secondary', onclick: choose, text: 'Back' }));
      return;
    }
    showWords(words);
  }

  function showWords(words) {
    replace(main,
      h('h1', { tabindex: '-1', text: 'Your recovery phrase' }),
      h('div', { class: 'warning', role: 'note' },
        h('p', {}, h('strong', { text: 'Write these 24 words down on paper, in order, and keep the paper safe.' })),
        h('p', { text: 'They are your account: with them you can restore it on a new device if this one is lost. Anyone who has them can act as you. kith does not keep them anywhere and cannot show them again.' })),
      h('ol', { class: 'phrase', dataset: { testid: 'phrase' } },
        words.map((w, i) => h('li', { dataset: { testid: 'phrase-word', index: String(i + 1) } },
          h('span', { class: 'n', text: `${i + 1}.` }), ' ', h('span', { class: 'w', text: w })))),
      h('div', { class: 'row' },
        h('button', { type: 'button', dataset: { testid: 'phrase-written' }, onclick: () => confirmWords(words), text: 'I have written them down' }),
        h('button', { type: 'button', class: 'secondary', onclick: choose, text: 'Cancel' })));
    focusHeading();
  }

  function confirmWords(words) {
    // Three different positions, in order.
    const picks = new Set();
    while (picks.size < 3) picks.add(Math.floor(Math.random() * words.length));
    const idx = [...picks].sort((a, b) => a - b);
    const status = statusLine('setup-status');
    const dev = deviceField('device-name');
    const inputs = idx.map((i) => h('input', {
      id: 'confirm-' + (i + 1), type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
      dataset: { testid: 'confirm-word', index: String(i + 1) },
    }));
    const submit = h('button', { type: 'submit', dataset: { testid: 'setup-confirm' }, text: 'Create account' });
    const form = h('form', { class: 'setup-form' },
      h('p', { text: 'To be sure the words are written down, type three of them from your paper.' }),
      idx.map((i, k) => [h('label', { for: 'confirm-' + (i + 1), text: `Word #${i + 1}` }), inputs[k]]),
      dev.els,
      h('div', { class: 'row' },
        submit,
        h('button', { type: 'button', class: 'secondary', dataset: { testid: 'phrase-back' }, onclick: () => showWords(words), text: 'Show the words again' })),
      status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const wrong = idx.filter((i, k) => inputs[k].value.trim().toLowerCase() !== words[i]);
      if (wrong.length) {
        status.set(`Word #${wrong.map((i) => i + 1).join(', #')} ${wrong.length === 1 ? 'does' : 'do'} not match. Check your paper, or show the words again.`, 'error');
        inputs[idx.indexOf(wrong[0])].focus();
        return;
      }
      submit.disabled = true;
      status.set('Creating your account…');
      try {
        const id = await api.doSetup(words.join(' '), '', dev.input.value.trim());
        words.fill('');
        askName(id);
      } catch (err) {
        status.set(errorText(err), 'error');
        submit.disabled = false;
      }
    });
    replace(main, h('h1', { tabindex: '-1', text: 'Check your recovery phrase' }), form);
    inputs[0].focus();
  }

  function restore() {
    const status = statusLine('setup-status');
    const phrase = h('textarea', { id: 'restore-phrase', rows: 4, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', dataset: { testid: 'restore-phrase' } });
    const pass = h('input', { id: 'restore-passphrase', type: 'password', autocomplete: 'off', dataset: { testid: 'restore-passphrase' } });
    const dev = deviceField('device-name');
    const submit = h('button', { type: 'submit', dataset: { testid: 'restore-submit' }, text: 'Restore account' });
    const form = h('form', { class: 'setup-form' },
      h('label', { for: 'restore-phrase', text: 'Recovery phrase (24 words, separated by spaces)' }), phrase,
      h('label', { for: 'restore-passphrase', text: 'Passphrase (optional: only if you set one with your phrase)' }), pass,
      dev.els,
      h('div', { class: 'row' },
        submit,
        h('button', { type: 'button', class: 'secondary', onclick: choose, text: 'Back' })),
      status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const words = phrase.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length !== 24) {
        status.set(`The phrase has ${words.length} words; it needs 24.`, 'error');
        phrase.focus();
        return;
      }
      submit.disabled = true;
      status.set('Restoring your account…');
      try {
        const id = await api.doSetup(words.join(' '), pass.value, dev.input.value.trim());
        phrase.value = '';
        pass.value = '';
        done(id);
      } catch (err) {
        status.set(errorText(err), 'error');
        submit.disabled = false;
      }
    });
    replace(main,
      h('h1', { tabindex: '-1', text: 'Restore your account' }),
      h('p', { text: 'Type the 24 words of your recovery phrase. This device gets its own key; your other devices keep working.' }),
      h('p', { class: 'muted', dataset: { testid: 'restore-key-note' }, text: 'Restoring puts your account key, which adds and revokes devices, on this device too. You can take it off again on the Devices page once you are set up.' }),
      form);
    phrase.focus();
  }

  // askName: right after a new account is made, the name (and an
  // optional picture) others will know it by: its first profile. It can
  // be skipped and set later on "My profile".
  function askName(id) {
    const nameIn = h('input', { id: 'ob-name', type: 'text', maxlength: 100, autocomplete: 'nickname', dataset: { testid: 'onboarding-name' } });
    const imageIn = h('input', { id: 'ob-image', type: 'file', accept: PICTURES, dataset: { testid: 'onboarding-image' } });
    const save = h('button', { type: 'submit', dataset: { testid: 'onboarding-name-save' }, text: 'Save' });
    const skip = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'onboarding-name-skip' }, onclick: () => done(id), text: 'Skip for now' });
    const status = statusLine('onboarding-name-status');
    const form = h('form', { dataset: { testid: 'onboarding-name-form' } },
      h('p', { text: 'Your account is made. What name should the people you know see? You can change it, and add more about you, on “My profile” later.' }),
      h('label', { for: 'ob-name', text: 'Your name' }), nameIn,
      h('label', { for: 'ob-image', text: 'A picture (optional)' }), imageIn,
      h('p', { class: 'muted', text: 'Your profile is public: everyone who gets your posts sees it.' }),
      h('div', { class: 'choices' }, save, skip), status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = nameIn.value.trim();
      if (!name) {
        status.set('Type a name, or choose “Skip for now”.', 'error');
        nameIn.focus();
        return;
      }
      save.disabled = skip.disabled = true;
      try {
        const fields = { name };
        const file = imageIn.files && imageIn.files[0];
        if (file) {
          status.set('Uploading the picture…');
          fields.image = (await api.uploadImage(file)).id;
        }
        status.set('Saving…');
        await api.putProfile(fields);
        done(id);
      } catch (err) {
        status.set(errorText(err), 'error');
        save.disabled = skip.disabled = false;
      }
    });
    replace(main, h('h1', { tabindex: '-1', text: 'Your name' }), form);
    nameIn.focus();
  }

  choose();
}
