// sealedcompose.js: the box to write a sealed message, in a space or a
// conversation: a text, Send, the message it answers (Reply on a message
// sets it), a note on who it is sealed for, and the send's status. The
// page gives what sending is (send(text, replyTo)) and what to do after
// (sent(), awaited whether or not it was sent).
import { h, statusLine, errorText, bdi } from './dom.js';

// makeSealedComposer answers {form, text, setNote(text), setEnabled(on),
// replyTo(author, id)}. opts: prefix of the test ids and element ids
// ('space', 'conversation'), label (the form's accessible name),
// maxlength, hidden (at first), send(text, replyTo) (a promise),
// failText(err) (how a failed send reads; default "Not sent: …"),
// sent() after every try.
export function makeSealedComposer(opts) {
  const p = opts.prefix;
  const text = h('textarea', { id: p + '-text', rows: 3, maxlength: opts.maxlength, dataset: { testid: p + '-text' } });
  const send = h('button', { type: 'submit', dataset: { testid: p + '-send' }, text: 'Send' });
  const status = statusLine(p + '-send-status');
  const replying = h('p', { class: 'replying muted small', dataset: { testid: p + '-replying' }, hidden: true });
  const note = h('p', { class: 'muted hint', dataset: { testid: p + '-compose-note' } });
  let replyTo = '';
  const form = h('form', { class: 'space-compose', dataset: { testid: p + '-compose' }, 'aria-label': opts.label, hidden: !!opts.hidden },
    replying,
    h('label', { for: p + '-text', text: 'Message' }), text,
    h('div', { class: 'row' }, send, note),
    status);
  let enabled = true;

  function clearReply() {
    replyTo = '';
    replying.hidden = true;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = text.value;
    if (!t.trim()) {
      status.set('Write something first.', 'error');
      text.focus();
      return;
    }
    send.disabled = true;
    status.set('Sealing and sending…');
    try {
      await opts.send(t, replyTo);
      text.value = '';
      clearReply();
      status.set('');
    } catch (err) {
      status.set(opts.failText ? opts.failText(err) : 'Not sent: ' + errorText(err), 'error');
    } finally {
      send.disabled = !enabled;
      await opts.sent();
    }
  });

  return {
    form,
    text,
    setNote: (t) => { note.textContent = t; },
    setEnabled: (on) => {
      enabled = on;
      send.disabled = !on;
      text.disabled = !on;
    },
    // replyTo makes the next message answer id, written by author.
    replyTo: (author, id) => {
      replyTo = id;
      replying.replaceChildren('Replying to ', bdi(author), ' ',
        h('button', { type: 'button', class: 'secondary small', text: 'Cancel', onclick: clearReply }));
      replying.hidden = false;
      text.focus();
    },
  };
}
