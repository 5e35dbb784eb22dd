// pages/decision.js: one conversation that ends in a decision (doc/api.md
// "Decisions"): its topic, the rule in plain words, the live tally against
// the rule, what is still needed, the outcome once reached, the
// participants with their positions or ballots, the forms to speak, take
// a position, amend or vote, and the history (ignored entries with why).
// Live: redrawn on the conversation's place's decision events.
import { h, replace, statusLine, errorText, plural, displayName } from '../dom.js';
import { request } from '../api.js';

const stands = { agree: 'Agrees', disagree: 'Disagrees', abstain: 'Abstains', block: 'Blocks', yes: 'Yes', no: 'No', maybe: 'Maybe', acknowledged: 'Acknowledged' };

// bar is an option's bar, pct wide (set through the CSSOM: the page's
// Content-Security-Policy refuses style attributes).
function bar(pct) {
  const el = h('span', { class: 'bar', 'aria-hidden': 'true' });
  el.style.width = `${Math.min(100, pct)}%`;
  return el;
}

// eventText says what a history entry does, after its author's name
// ("Bea agrees", "You agree").
function eventText(e) {
  const me = e.author && e.author.me;
  const verb = (third, base) => (me ? base : third);
  switch (e.kind) {
    case 'say':
      return verb('writes', 'write') + ': ' + e.text;
    case 'amend':
      return verb('proposes', 'propose') + ' an amendment: ' + e.text.replace(/^amendment: /, '');
    case 'position': {
      const i = e.text.indexOf(': ');
      const p = i < 0 ? e.text : e.text.slice(0, i);
      return (me ? p : { agree: 'agrees', disagree: 'disagrees', abstain: 'abstains', block: 'blocks' }[p] || p) + (i < 0 ? '' : ': ' + e.text.slice(i + 2));
    }
    case 'ballot':
      return me ? e.text.replace(/^(rank|approve|score)s /, '$1 ') : e.text;
    case 'ack':
      return verb('acknowledges', 'acknowledge');
    case 'answer':
      return verb('answers', 'answer') + ' ' + e.text;
    case 'argument':
      return verb('argues', 'argue') + ' ' + e.text;
    case 'deadline':
      return verb('declares', 'declare') + ' the stated deadline passed';
  }
  return `${e.kind || 'an unreadable entry'}${e.text ? ': ' + e.text : ''}`;
}

function who(p) {
  if (!p || !p.account) return 'someone unknown here';
  return p.me ? 'You' : displayName(p.name, p.account);
}

export default async function decision(main, ctx) {
  const id = ctx.params[0];
  ctx.title('Conversation');
  const path = '/decisions/' + encodeURIComponent(id);
  const status = statusLine('decision-status');
  const title = h('h1', { tabindex: '-1', dataset: { testid: 'decision-topic' }, text: 'Conversation' });
  const meta = h('p', { class: 'meta', dataset: { testid: 'decision-meta' } });
  const rule = h('p', { class: 'rule', dataset: { testid: 'decision-rule' } });
  const standing = h('section', { class: 'card decision-standing', dataset: { testid: 'decision-standing' }, 'aria-label': 'Where it stands' });
  const proposal = h('section', { class: 'card', dataset: { testid: 'decision-proposal' }, hidden: true });
  const people = h('ul', { class: 'decision-people', dataset: { testid: 'decision-participants' } });
  const history = h('ol', { class: 'decision-history', dataset: { testid: 'decision-history' } });
  const forms = h('div', { class: 'decision-forms' });
  main.append(h('div', { class: 'decision-page' }, title, meta, status, proposal, rule, standing, forms,
    h('section', { 'aria-labelledby': 'decision-people-heading' }, h('h2', { id: 'decision-people-heading', text: 'Participants' }), people),
    h('section', { 'aria-labelledby': 'decision-history-heading' }, h('h2', { id: 'decision-history-heading', text: 'History' }), history)));

  // send writes an entry and reloads; refusals show in the form's status.
  async function send(what, body, st) {
    try {
      await request('POST', path + '/' + what, body);
      ctx.announce('Sent.');
      st.set('');
      await load(true);
    } catch (err) {
      st.set('Not sent: ' + errorText(err), 'error');
    }
  }

  function sayForm(d) {
    const t = h('textarea', { id: 'decision-say-text', rows: 2, maxlength: 4000, dataset: { testid: 'decision-say-text' } });
    const st = statusLine('decision-say-status');
    const f = h('form', { class: 'card', dataset: { testid: 'decision-say-form' } },
      h('label', { for: 'decision-say-text', text: d.closed ? 'Write (the decision stays as it is)' : 'Write' }), t,
      h('div', { class: 'row' }, h('button', { type: 'submit', dataset: { testid: 'decision-say' }, text: 'Send' })), st);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      if (t.value.trim()) send('say', { text: t.value }, st);
    });
    return f;
  }

  function positionForm() {
    const radios = ['agree', 'disagree', 'abstain', 'block'].map((p) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'decision-position', id: 'pos-' + p, value: p, dataset: { testid: 'decision-choice', value: p } }), ' ',
      h('label', { for: 'pos-' + p, text: { agree: 'Agree', disagree: 'Disagree', abstain: 'Abstain', block: 'Block (say why)' }[p] })));
    const reason = h('input', { id: 'decision-reason', type: 'text', maxlength: 1000, dataset: { testid: 'decision-reason' } });
    const st = statusLine('decision-position-status');
    const f = h('form', { class: 'card', dataset: { testid: 'decision-position-form' } },
      h('fieldset', {}, h('legend', { text: 'Your position (your latest counts)' }), radios),
      h('label', { for: 'decision-reason', text: 'Why (needed for a block)' }), reason,
      h('div', { class: 'row' }, h('button', { type: 'submit', dataset: { testid: 'decision-position' }, text: 'Take this position' })), st);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      const p = f.querySelector('input[name=decision-position]:checked');
      if (!p) return st.set('Choose a position.', 'error');
      send('position', { position: p.value, reason: reason.value.trim() }, st);
    });
    const amend = h('input', { id: 'decision-amend-text', type: 'text', maxlength: 4000, dataset: { testid: 'decision-amend-text' } });
    const ast = statusLine('decision-amend-status');
    const af = h('form', { class: 'card', dataset: { testid: 'decision-amend-form' } },
      h('label', { for: 'decision-amend-text', text: 'Propose an amendment' }), amend,
      h('div', { class: 'row' }, h('button', { type: 'submit', dataset: { testid: 'decision-amend' }, text: 'Amend' })), ast);
    af.addEventListener('submit', (e) => {
      e.preventDefault();
      if (amend.value.trim()) send('amend', { text: amend.value }, ast);
    });
    return [f, af];
  }

  function voteForm(d) {
    const st = statusLine('decision-vote-status');
    let fields;
    let read;
    if (d.ballot === 'score') {
      fields = d.options.map((o) => h('div', { class: 'check' },
        h('input', { type: 'number', min: 0, max: 10, value: 0, id: 'score-' + o.number, dataset: { testid: 'decision-score', number: String(o.number) } }), ' ',
        h('label', { for: 'score-' + o.number, ptext: o.text })));
      read = () => ({ scores: [...fields].map((f) => Number(f.querySelector('input').value)) });
    } else if (d.ballot === 'ranked') {
      fields = d.options.map((o) => h('div', { class: 'check' },
        h('input', { type: 'number', min: 1, max: d.options.length, id: 'rank-' + o.number, dataset: { testid: 'decision-rank', number: String(o.number) } }), ' ',
        h('label', { for: 'rank-' + o.number, ptext: o.text })));
      read = () => ({
        options: [...fields].map((f) => [Number(f.querySelector('input').value), f.querySelector('input').dataset.number])
          .filter(([r]) => r > 0).sort((a, b) => a[0] - b[0]).map(([, n]) => n),
      });
    } else {
      fields = d.options.map((o) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: 'opt-' + o.number, value: String(o.number), dataset: { testid: 'decision-option', number: String(o.number) } }), ' ',
        h('label', { for: 'opt-' + o.number, ptext: o.text })));
      read = () => ({ options: [...fields].map((f) => f.querySelector('input')).filter((i) => i.checked).map((i) => i.value) });
    }
    const legend = { score: 'Your scores, 0 to 10', ranked: 'Your ranking: 1 for your first choice; leave out what you do not rank' }[d.ballot] || 'The options you approve';
    const f = h('form', { class: 'card', dataset: { testid: 'decision-vote-form' } },
      h('fieldset', {}, h('legend', { text: legend + ' (your latest ballot counts)' }), fields),
      h('div', { class: 'row' }, h('button', { type: 'submit', dataset: { testid: 'decision-vote' }, text: 'Vote' })), st);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      send('vote', read(), st);
    });
    return f;
  }

  // drawPattern shows what the pattern holds: the proposal and its
  // amendments, the announcement and who acknowledged it, the invitation's
  // places and waiting list, the debate's motion and arguments.
  function drawPattern(d) {
    const list = (ps) => (ps && ps.length ? ps.map(who).join(', ') : 'no one yet');
    const parts = [];
    switch (d.pattern) {
      case 'proposal':
        parts.push(h('h2', { text: 'The proposal' }), h('p', { ptext: d.text }),
          (d.amendments || []).map((a) => h('p', { class: 'amendment', dataset: { testid: 'decision-amendment' } }, 'Amendment: ', h('span', { ptext: a }))));
        break;
      case 'announcement':
        parts.push(h('h2', { text: 'The announcement' }), d.text ? h('p', { ptext: d.text }) : null,
          h('p', { dataset: { testid: 'decision-acknowledged' }, text: `Speaker: ${who(d.speaker)}. Acknowledged by ${list(d.acknowledged)}.` }));
        break;
      case 'invitation':
        parts.push(h('h2', { text: 'The invitation' }), d.text ? h('p', { ptext: d.text }) : null,
          h('p', { dataset: { testid: 'decision-places-taken' }, text: d.places ? `${plural(d.places, 'place')}, taken by ${list(d.guests)}.` : `Coming: ${list(d.guests)}.` }),
          d.waiting && d.waiting.length ? h('p', { dataset: { testid: 'decision-waiting' }, text: `Waiting for a place, in order: ${list(d.waiting)}.` }) : null);
        break;
      case 'debate':
        parts.push(h('h2', { text: 'The motion' }), h('p', { ptext: d.text || '' }),
          h('ul', { class: 'decision-arguments', dataset: { testid: 'decision-arguments' } },
            (d.arguments || []).length ? d.arguments.map((a) => h('li', { class: 'argument ' + a.side, dataset: { testid: 'decision-argument', side: a.side, id: a.id } },
              h('strong', { text: a.side === 'for' ? 'For' : 'Against' }), ' · ', h('bdi', { text: who(a.author) }),
              a.answers ? h('span', { class: 'muted', text: ' (answering ' + who((d.arguments.find((x) => x.id === a.answers) || {}).author) + ')' }) : null,
              ': ', h('span', { ptext: a.text })))
              : h('li', { class: 'muted', text: 'No arguments yet.' })));
        break;
    }
    proposal.hidden = parts.length === 0;
    if (parts.length) replace(proposal, parts);
  }

  // patternForms are the forms of the announcement, invitation and
  // debate patterns, and the declaration of a stated deadline.
  function patternForms(d) {
    const fs = [];
    const mine = d.participants.find((p) => p.me) || {};
    if (d.pattern === 'announcement' && !(d.speaker && d.speaker.me)) {
      const st = statusLine('decision-ack-status');
      fs.push(h('div', { class: 'card' }, h('div', { class: 'row' },
        h('button', { type: 'button', dataset: { testid: 'decision-ack' }, disabled: mine.position === 'acknowledged', text: 'Acknowledge', onclick: () => send('ack', {}, st) })), st));
    }
    if (d.pattern === 'invitation') {
      const st = statusLine('decision-answer-status');
      fs.push(h('div', { class: 'card' }, h('p', { text: 'Your answer (your latest counts):' }), h('div', { class: 'row' },
        ['yes', 'no', 'maybe'].map((a) => h('button', { type: 'button', class: a === 'yes' ? '' : 'secondary', dataset: { testid: 'decision-answer', value: a },
          text: a[0].toUpperCase() + a.slice(1), onclick: () => send('answer', { answer: a }, st) }))), st));
    }
    if (d.pattern === 'debate') {
      fs.push(positionForm()[0]);
      const side = h('select', { id: 'decision-side', dataset: { testid: 'decision-side' } },
        h('option', { value: 'for', text: 'For the motion' }), h('option', { value: 'against', text: 'Against the motion' }));
      const answers = h('select', { id: 'decision-answers', dataset: { testid: 'decision-answers' } },
        h('option', { value: '', text: 'the motion' }),
        (d.arguments || []).map((a) => h('option', { value: a.id, text: `${who(a.author)}: ${a.text.slice(0, 60)}` })));
      const text = h('textarea', { id: 'decision-argument-text', rows: 2, maxlength: 4000, dataset: { testid: 'decision-argument-text' } });
      const st = statusLine('decision-argue-status');
      const f = h('form', { class: 'card', dataset: { testid: 'decision-argue-form' } },
        h('label', { for: 'decision-side', text: 'Your argument' }), side,
        h('label', { for: 'decision-answers', text: 'Answering' }), answers,
        h('label', { for: 'decision-argument-text', text: 'What you say' }), text,
        h('div', { class: 'row' }, h('button', { type: 'submit', dataset: { testid: 'decision-argue' }, text: 'Argue' })), st);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        if (text.value.trim()) send('argue', { side: side.value, text: text.value, answers: answers.value || undefined }, st);
      });
      fs.push(f);
    }
    if (d.deadline && !d.tally.deadline_passed) {
      const st = statusLine('decision-deadline-status');
      fs.push(h('div', { class: 'card' }, h('p', { class: 'muted', text: 'When the stated deadline has passed, any participant declares it; the tally is final from then on.' }),
        h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', dataset: { testid: 'decision-declare-deadline' }, text: 'Declare the deadline passed', onclick: () => send('deadline', {}, st) })), st));
    }
    return fs;
  }

  let shown = null;
  let formsFor = null;
  async function load(force) {
    let d;
    try {
      d = await request('GET', path);
    } catch (err) {
      if (ctx.alive()) status.set(errorText(err), 'error');
      return;
    }
    if (!ctx.alive()) return;
    const text = JSON.stringify(d);
    if (text === shown && !force) return;
    shown = text;
    status.set('');
    if (d.problem) {
      title.textContent = 'This conversation cannot be read';
      status.set(d.problem, 'error');
      return;
    }
    ctx.title(d.topic);
    title.textContent = d.topic;
    replace(meta, `${/^[aeiou]/.test(d.pattern) ? 'An' : 'A'} ${d.pattern} among the ${d.place.kind === 'village' ? 'locals of the village' : 'members of the space'} `,
      h('bdi', { text: d.place.name }), `, started by ${d.starter.me ? 'you' : who(d.starter)}.`);
    replace(rule, h('strong', { text: 'Rule: ' }), h('span', { text: d.rule }));
    const t = d.tally;
    const counts = d.pattern === 'poll'
      ? h('ul', { class: 'decision-options', dataset: { testid: 'decision-tally' } }, d.options.map((o) => h('li', { dataset: { testid: 'decision-tally-option', number: String(o.number) } },
        bar((100 * o.votes) / Math.max(1, ...d.options.map((x) => x.votes))),
        h('span', { class: 'opt', ptext: o.text }), ' ', h('strong', { text: String(o.votes) }))))
      : h('p', { dataset: { testid: 'decision-tally' } }, {
        invitation: `${t.agree} yes, ${t.disagree} no, ${t.abstain} maybe`,
        announcement: `${plural(t.agree, 'acknowledgement')}`,
      }[d.pattern] || `${plural(t.agree, 'agreement')}, ${plural(t.disagree, 'disagreement')}, ${plural(t.abstain, 'abstention')}, ${plural(t.block, 'block')}`);
    const caption = d.pattern === 'poll'
      ? h('p', { class: 'muted', text: { ranked: 'First choices (the count moves votes on as options drop out)', score: 'Total scores' }[d.ballot] || 'Approvals' })
      : null;
    replace(standing,
      h('h2', { text: d.closed ? 'Decided' : 'Where it stands' }),
      caption, counts,
      h('p', { class: 'muted', text: `${t.answered} of ${plural(t.participants, 'participant')} answered · ${plural(t.messages, 'message')}` + (d.deadline ? ` · deadline ${d.deadline}` : '') }),
      d.closed
        ? h('p', { class: 'outcome', dataset: { testid: 'decision-outcome' } }, h('strong', { text: 'Outcome: ' }), h('span', { ptext: d.outcome.summary }),
          h('span', { class: 'muted', text: ` (closed after ${plural(d.outcome.messages, 'message')}; later messages change nothing)` }))
        : h('p', { class: 'needed', dataset: { testid: 'decision-needed' } }, h('strong', { text: 'Still needed: ' }), d.needed),
      d.method_error ? h('p', { class: 'status error', text: 'The rule could not be evaluated: ' + d.method_error }) : null);
    drawPattern(d);
    replace(people, d.participants.map((p) => h('li', { dataset: { testid: 'decision-participant', account: p.account, position: p.position || '' } },
      h('bdi', { text: who(p) }), ' — ',
      p.position ? h('span', { class: 'stand ' + p.position, ptext: stands[p.position] + (p.reason ? ': ' + p.reason : '') })
        : p.ballot ? h('span', { ptext: p.ballot }) : h('span', { class: 'muted', text: 'no answer yet' }))));
    replace(history, d.history.length ? d.history.map((e) => h('li', { class: e.applied ? '' : 'ignored', dataset: { testid: 'decision-event', applied: String(e.applied) } },
      h('bdi', { class: 'who', text: who(e.author) }), ' ', h('span', { ptext: eventText(e) }),
      e.applied ? null : h('p', { class: 'muted', dataset: { testid: 'decision-event-ignored' }, text: 'Ignored by every node: ' + e.reason })))
      : h('li', { class: 'muted', text: 'Nothing written yet.' }),
    (d.unreadable || []).map((u) => h('li', { class: 'ignored', text: 'An entry this device cannot read: ' + u.reason })));
    // The forms are redrawn only when what they offer changes, so that a
    // live update does not wipe what someone is typing.
    const key = `${d.pattern}|${d.closed}|${d.ballot}|${(d.arguments || []).length}|${d.tally.deadline_passed}|${JSON.stringify(d.participants.find((p) => p.me) || {})}`;
    if (key !== formsFor) {
      formsFor = key;
      const fs = [];
      if (!d.closed && d.pattern === 'proposal') fs.push(...positionForm());
      if (!d.closed && d.pattern === 'poll') fs.push(voteForm(d));
      if (!d.closed) fs.push(...patternForms(d));
      fs.push(sayForm(d));
      replace(forms, fs);
    }
  }

  ctx.on('decision', () => load());
  ctx.on('resync', () => load());
  await load();
}
