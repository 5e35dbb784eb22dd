// pages/decisions.js: conversations that end in a decision (doc/api.md
// "Decisions"): the list, open ones with what they still need, decided
// ones with their outcome; and the form to start one among a village's
// locals, a space's members or people you follow.
import { h, replace, statusLine, errorText } from '../dom.js';
import { api, request } from '../api.js';

// The methods a person chooses from, in plain words.
const counting = [
  ['consent', 'Consent: no one blocks, someone agrees, once everyone answered'],
  ['unanimity', 'Unanimity: everyone agrees'],
  ['majority', 'Majority: more than half of the participants agree'],
  ['qualified', 'Qualified majority (say the share, e.g. 2/3)'],
  ['quorum', 'Quorum: a number of agreements (say how many)'],
  ['majority-of-voters', 'Majority of those who take a side'],
  ['cel', 'My own rule: an expression over the tally'],
];
export const methods = {
  announcement: [['unanimity', 'Everyone acknowledged'], ...counting.filter(([v]) => v !== 'unanimity' && v !== 'consent')],
  invitation: [['quorum', 'A number of yeses (say how many)'], ...counting.filter(([v]) => v !== 'quorum' && v !== 'consent')],
  debate: [['majority-of-voters', 'Majority of those who take a side'], ...counting.filter(([v]) => v !== 'majority-of-voters')],
  proposal: counting,
  discussion: [
    ['cel', 'My own rule: an expression over the tally (e.g. messages >= 20)'],
  ],
  poll: [
    ['approval', 'Approval: the option most approve wins'],
    ['instant-runoff', 'Ranked choice: instant runoff'],
    ['schulze', 'Ranked choice: Schulze (Condorcet)'],
    ['score', 'Score: the highest total score wins (0–10 each)'],
    ['cel', 'My own rule: an expression over the tally'],
  ],
};
const ballots = { approval: 'approval', 'instant-runoff': 'ranked', schulze: 'ranked', score: 'score', cel: 'approval' };

export default async function decisions(main, ctx) {
  ctx.title('Conversations');
  const status = statusLine('decisions-status');
  const listHeading = h('h2', { id: 'decisions-heading', text: 'Conversations' });
  const list = h('ul', { class: 'decisions', dataset: { testid: 'decisions-list' }, 'aria-labelledby': 'decisions-heading' });

  const topicIn = h('input', { id: 'decision-topic', type: 'text', maxlength: 200, required: true, autocomplete: 'off', dataset: { testid: 'decision-topic' } });
  const whereSel = h('select', { id: 'decision-where', dataset: { testid: 'decision-where' } });
  const kindSel = h('select', { id: 'decision-kind', dataset: { testid: 'decision-kind' } },
    h('option', { value: 'proposal', text: 'A proposal: agree, disagree, abstain or block' }),
    h('option', { value: 'poll', text: 'A poll: choose among options' }),
    h('option', { value: 'invitation', text: 'An invitation: yes, no or maybe, with a limit of places' }),
    h('option', { value: 'announcement', text: 'An announcement: you speak, the others acknowledge' }),
    h('option', { value: 'debate', text: 'A debate: arguments for and against a motion, then positions' }),
    h('option', { value: 'discussion', text: 'A discussion: free messages, ended by your own rule' }));
  const placesIn = h('input', { id: 'decision-places', type: 'number', min: 1, dataset: { testid: 'decision-places' } });
  const placesBox = h('div', { hidden: true }, h('label', { for: 'decision-places', text: 'Places (optional; more yeses wait for a place)' }), placesIn);
  const deadlineIn = h('input', { id: 'decision-deadline', type: 'datetime-local', dataset: { testid: 'decision-deadline' } });
  const textIn = h('textarea', { id: 'decision-text', rows: 3, maxlength: 4000, dataset: { testid: 'decision-text' } });
  const optionsIn = h('textarea', { id: 'decision-options', rows: 4, dataset: { testid: 'decision-options' }, placeholder: 'One option a line' });
  const methodSel = h('select', { id: 'decision-method', dataset: { testid: 'decision-method' } });
  const paramsIn = h('input', { id: 'decision-params', type: 'text', placeholder: '2/3', autocomplete: 'off', dataset: { testid: 'decision-params' } });
  const exprIn = h('input', { id: 'decision-expr', type: 'text', maxlength: 2000, autocomplete: 'off', spellcheck: 'false', dataset: { testid: 'decision-expr' },
    placeholder: 'agree * 3 >= participants * 2 && block == 0' });
  const afterIn = h('input', { id: 'decision-after', type: 'number', min: 1, dataset: { testid: 'decision-after' } });
  const textLabel = h('label', { for: 'decision-text', text: 'The proposal' });
  const textBox = h('div', {}, textLabel, textIn);
  const optionsBox = h('div', { hidden: true }, h('label', { for: 'decision-options', text: 'Options' }), optionsIn);
  const paramsBox = h('div', { hidden: true }, h('label', { for: 'decision-params', text: 'Share or number (2/3, or 3)' }), paramsIn);
  const exprBox = h('div', { hidden: true }, h('label', { for: 'decision-expr', text: 'Your rule, as an expression (true when decided)' }), exprIn,
    h('p', { class: 'muted hint', text: 'Names: participants, answered, agree, disagree, abstain, block, messages, amendments, options, ballots, votes (a list), deadline_passed.' }));
  const submit = h('button', { type: 'submit', dataset: { testid: 'decision-start' }, text: 'Start' });
  const startStatus = statusLine('decision-start-status');
  const form = h('form', { class: 'card decision-form', dataset: { testid: 'decision-start-form' }, 'aria-labelledby': 'decision-start-heading' },
    h('h2', { id: 'decision-start-heading', text: 'Start a conversation that ends in a decision' }),
    h('label', { for: 'decision-topic', text: 'Topic' }), topicIn,
    h('label', { for: 'decision-where', text: 'Who decides' }), whereSel,
    h('label', { for: 'decision-kind', text: 'Kind' }), kindSel,
    textBox, optionsBox, placesBox,
    h('label', { for: 'decision-method', text: 'Rule' }), methodSel, paramsBox, exprBox,
    h('label', { for: 'decision-after', text: 'Deadline: after this many messages (optional)' }), afterIn,
    h('label', { for: 'decision-deadline', text: 'Stated deadline (optional): a participant declares it passed once it is' }), deadlineIn,
    h('div', { class: 'row' }, submit), startStatus);

  const drawMethods = () => {
    const kind = kindSel.value;
    const cur = methodSel.value;
    replace(methodSel, ...methods[kind].map(([v, t]) => h('option', { value: v, text: t })));
    if (methods[kind].some(([v]) => v === cur)) methodSel.value = cur;
    textBox.hidden = kind === 'poll';
    textLabel.textContent = { proposal: 'The proposal', debate: 'The motion', announcement: 'The announcement', invitation: 'The invitation', discussion: 'What it is about (optional)' }[kind];
    optionsBox.hidden = kind !== 'poll';
    placesBox.hidden = kind !== 'invitation';
    drawParams();
  };
  const drawParams = () => {
    paramsBox.hidden = !['qualified', 'quorum', 'qualified-of-voters'].includes(methodSel.value);
    exprBox.hidden = methodSel.value !== 'cel';
  };
  kindSel.addEventListener('change', drawMethods);
  methodSel.addEventListener('change', drawParams);
  drawMethods();

  main.append(h('div', { class: 'decisions-page' },
    h('h1', { tabindex: '-1', text: 'Conversations' }),
    h('p', { class: 'muted', text: 'A conversation with a rule: it ends when the rule holds, the same on every node, and the decision is kept.' }),
    status,
    h('section', { 'aria-labelledby': 'decisions-heading' }, listHeading, list),
    form));

  async function loadChoices() {
    try {
      const [vs, ss, f] = await Promise.all([api.villages(), api.spaces(), api.follows()]);
      if (!ctx.alive()) return;
      const opts = [];
      for (const v of vs.villages || []) {
        if (v.known && v.role === 'local') opts.push(h('option', { value: 'village:' + v.id, text: `The locals of the village ${v.name}` }));
      }
      for (const s of ss.spaces || []) {
        if (s.role !== 'none') opts.push(h('option', { value: 'space:' + s.id, text: `The members of the space ${s.name}` }));
      }
      for (const a of f.following || []) {
        const name = (a.profile && a.profile.name) || a.account;
        opts.push(h('option', { value: 'people:' + a.account, text: `You and ${name}` }));
      }
      replace(whereSel, opts.length ? opts : h('option', { value: '', text: 'No village, space or person yet' }));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  let shown = null;
  async function load() {
    try {
      const ds = (await request('GET', '/decisions')).decisions || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(ds);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Conversations (${ds.length})`;
      if (!ds.length) {
        replace(list, h('li', { class: 'empty', text: 'No conversation yet. Start one below.' }));
        return;
      }
      replace(list, ...ds.map((d) => h('li', { class: 'decision-item card', dataset: { testid: 'decision-item', id: d.id, closed: String(d.closed) } },
        h('h3', {}, h('a', { href: '#/decision/' + d.id, ptext: d.topic || d.id })),
        h('p', { class: 'meta' },
          h('span', { class: 'badge', text: d.pattern }), ' in the ', d.place.kind, ' ', h('bdi', { text: d.place.name })),
        d.closed
          ? h('p', { class: 'decided', dataset: { testid: 'decision-item-outcome' } }, h('strong', { text: 'Decided: ' }), h('span', { ptext: d.outcome }))
          : h('p', { dataset: { testid: 'decision-item-needed' } }, 'Still needed: ', d.needed))));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const topic = topicIn.value.trim();
    if (!topic) {
      startStatus.set('Give the conversation a topic.', 'error');
      topicIn.focus();
      return;
    }
    const [kind, id] = (whereSel.value || ':').split(/:(.*)/s);
    const body = { topic, pattern: kindSel.value, method: methodSel.value };
    if (kind === 'village') body.village = id;
    else if (kind === 'space') body.space = id;
    else if (kind === 'people') body.people = [id];
    if (body.pattern !== 'poll') {
      if (textIn.value.trim()) body.text = textIn.value.trim();
      if (body.pattern === 'invitation' && placesIn.value) body.places = Number(placesIn.value);
    } else {
      body.options = optionsIn.value.split('\n').map((s) => s.trim()).filter(Boolean);
      body.ballot = ballots[body.method];
    }
    if (!paramsBox.hidden) body.params = paramsIn.value.split(/[/, ]+/).filter(Boolean).map(Number);
    if (body.method === 'cel') body.expr = exprIn.value.trim();
    if (afterIn.value) body.after = Number(afterIn.value);
    if (deadlineIn.value) body.deadline = new Date(deadlineIn.value).toISOString().replace(/\.\d{3}Z$/, 'Z');
    submit.disabled = true;
    try {
      const r = await request('POST', '/decisions', body);
      ctx.announce('Conversation started.');
      location.hash = '#/decision/' + r.conversation;
    } catch (err) {
      startStatus.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  ctx.on('decision', load);
  ctx.on('resync', load);
  await Promise.all([load(), loadChoices()]);
}
