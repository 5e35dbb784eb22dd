// pages/villages.js: the villages this device takes part in (with each
// one's inbox of strangers' requests), the form to found one with
// co-founders, and, as a stranger, the form to ask a village something
// and the requests you sent (doc/api.md "Villages").
import { h, replace, statusLine, errorText, copyText, plural, shortId, timeEl } from '../dom.js';
import { api, blobURL } from '../api.js';

const roles = {
  founder: 'Founder: the founding is not complete',
  local: 'Local',
  invitee: 'Invited: not a local yet',
  left: 'You left',
  excluded: 'You were excluded',
};

// The charter's consensus methods the found form offers (doc/api.md
// "POST /api/v1/villages"): each with the body fields it sends. "2/3
// no-block" is the CLI's preset, a CEL expression; quorum takes its K and
// custom its expression from a field shown only when chosen.
const rules = [
  { value: 'majority', text: 'Majority of the active locals' },
  { value: 'unanimous', text: 'Every active local (unanimous)' },
  { value: 'consent', text: 'Consent: nobody blocks' },
  { value: 'majority-of-voters', text: 'Majority of those who answered' },
  { value: 'two-thirds-no-block', text: 'Two thirds of the active locals, with no block' },
  { value: 'quorum', text: 'A quorum: at least K locals agree' },
  { value: 'cel', text: 'Custom rule (an expression)' },
];

// ruleChooser is a <select> of the rules, with the K and expression fields
// it shows when chosen; body() answers the fields to send under prefix.
function ruleChooser(prefix, label) {
  const sel = h('select', { id: `found-${prefix}`, name: `found-${prefix}`, dataset: { testid: `found-${prefix}` } },
    rules.map((r) => h('option', { value: r.value, text: r.text })));
  const kIn = h('input', { id: `found-${prefix}-k`, type: 'number', value: 2, inputmode: 'numeric', dataset: { testid: `found-${prefix}-k` } });
  const kBox = h('div', { class: 'rule-extra', hidden: true },
    h('label', { for: `found-${prefix}-k`, text: 'K: how many locals must agree' }), kIn);
  const exprIn = h('input', {
    id: `found-${prefix}-expr`, type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'agree >= 3 && block == 0',
    'aria-describedby': `found-${prefix}-expr-help`, dataset: { testid: `found-${prefix}-expr` },
  });
  const exprBox = h('div', { class: 'rule-extra', hidden: true },
    h('label', { for: `found-${prefix}-expr`, text: 'The rule, as an expression' }), exprIn,
    h('p', { id: `found-${prefix}-expr-help`, class: 'muted hint', text: 'A CEL expression that is true when the decision is made, over participants (the active locals), answered, agree, disagree, abstain and block (counts of positions). For example: agree * 3 >= participants * 2 && block == 0' }));
  const show = () => {
    kBox.hidden = sel.value !== 'quorum';
    exprBox.hidden = sel.value !== 'cel';
  };
  sel.addEventListener('change', show);
  const body = () => {
    switch (sel.value) {
      case 'two-thirds-no-block':
        return { [prefix]: 'cel', [prefix + '_expr']: 'agree * 3 >= participants * 2 && block == 0' };
      case 'quorum':
        return { [prefix]: 'quorum', [prefix + '_params']: [Number(kIn.value)] };
      case 'cel':
        return { [prefix]: 'cel', [prefix + '_expr']: exprIn.value.trim() };
      default:
        return { [prefix]: sel.value };
    }
  };
  // check answers what is wrong with the extra field, with the field.
  const check = () => {
    if (sel.value === 'quorum' && !(Number.isInteger(Number(kIn.value)) && Number(kIn.value) >= 1)) return [kIn, `${label}: K is a whole number, 1 or more.`];
    if (sel.value === 'cel' && !exprIn.value.trim()) return [exprIn, `${label}: write the expression, or choose another rule.`];
    return null;
  };
  const nodes = [h('label', { for: `found-${prefix}`, text: label }), sel, kBox, exprBox];
  return { sel, nodes, body, check };
}

export default async function villages(main, ctx) {
  ctx.title('Villages');
  const status = statusLine('villages-status');
  const list = h('ul', { class: 'villages', dataset: { testid: 'villages-list' }, 'aria-labelledby': 'villages-heading' });
  const listHeading = h('h2', { id: 'villages-heading', text: 'Your villages' });

  const nameIn = h('input', { id: 'found-name', type: 'text', maxlength: 100, autocomplete: 'off', required: true, dataset: { testid: 'found-name' } });
  const cofIn = h('textarea', {
    id: 'found-cofounders', rows: 3, spellcheck: 'false', placeholder: 'acc_…', 'aria-describedby': 'found-cofounders-help',
    dataset: { testid: 'found-cofounders' },
  });
  const admitRule = ruleChooser('admit', 'How strangers are accepted');
  const excludeRule = ruleChooser('exclude', 'How a local is excluded');
  const submit = h('button', { type: 'submit', dataset: { testid: 'found-submit' }, text: 'Found the village' });
  const foundStatus = statusLine('found-status');
  const form = h('form', { class: 'card village-form', dataset: { testid: 'village-found-form' }, 'aria-labelledby': 'found-heading' },
    h('h2', { id: 'found-heading', text: 'Found a village' }),
    h('label', { for: 'found-name', text: 'Name' }), nameIn,
    h('label', { for: 'found-cofounders', text: 'Co-founders’ account ids' }), cofIn,
    h('p', { id: 'found-cofounders-help', class: 'muted hint', text: 'At least one, one a line (or separated by commas or spaces). Each co-founder finds their account id on their own Villages page. The village is founded once every co-founder accepted.' }),
    ...admitRule.nodes,
    ...excludeRule.nodes,
    h('div', { class: 'row' }, submit),
    foundStatus);

  // Ask a village, as a stranger.
  const askVillage = h('input', {
    id: 'ask-village', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'ent_…',
    'aria-describedby': 'ask-village-help', dataset: { testid: 'ask-village' },
  });
  const askTo = h('input', {
    id: 'ask-to', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'dev_… or /ip4/…/p2p/…',
    'aria-describedby': 'ask-to-help', dataset: { testid: 'ask-to' },
  });
  const askText = h('textarea', { id: 'ask-text', rows: 3, maxlength: 2000, dataset: { testid: 'ask-text' } });
  const askFile = h('input', { id: 'ask-file', type: 'file', dataset: { testid: 'ask-file' } });
  const askBtn = h('button', { type: 'submit', dataset: { testid: 'ask-submit' }, text: 'Send the request' });
  const askStatus = statusLine('ask-status');
  const askForm = h('form', { class: 'card village-form', dataset: { testid: 'village-ask-form' }, 'aria-labelledby': 'ask-heading' },
    h('h2', { id: 'ask-heading', text: 'Ask a village' }),
    h('p', { class: 'muted', text: 'As a stranger, ask something of a village you are not a local of. Your request goes to one local’s device; the other locals see it once a local answers you.' }),
    h('label', { for: 'ask-village', text: 'Village id' }), askVillage,
    h('p', { id: 'ask-village-help', class: 'muted hint', text: 'A local gives it to you: it starts with ent_.' }),
    h('label', { for: 'ask-to', text: 'Through the local' }), askTo,
    h('p', { id: 'ask-to-help', class: 'muted hint', text: 'The device id (dev_…) of a local your node can reach, or their address with /p2p/.' }),
    h('label', { for: 'ask-text', text: 'Your request' }), askText,
    h('label', { for: 'ask-file', class: 'light', text: 'Attach a file (optional): a letter, a photo' }), askFile,
    h('div', { class: 'row' }, askBtn),
    askStatus);

  // The requests this device sent as a stranger.
  const sentHeading = h('h2', { id: 'sent-heading', text: 'Your requests' });
  const sentList = h('ul', { class: 'sent-requests', dataset: { testid: 'my-requests' }, 'aria-labelledby': 'sent-heading' });
  const sentBox = h('section', { 'aria-labelledby': 'sent-heading', hidden: true },
    sentHeading,
    h('p', { class: 'muted', text: 'What you asked of villages as a stranger, the latest first: the requests a local’s node took (a refused one is not kept). A village takes at most 32 from each of your devices while no local has answered you.' }),
    sentList);

  const myAcc = h('code', { class: 'id', dataset: { testid: 'my-account' }, text: ctx.me.account });

  main.append(
    h('h1', { tabindex: '-1', text: 'Villages' }),
    h('p', { class: 'muted' }, 'A village is a small group of locals keeping a shared contact book of strangers: who vouched for whom, with which proof, and what everyone thinks.'),
    h('p', {}, 'Your account id is ', myAcc, ' ',
      h('button', {
        type: 'button', class: 'secondary small', 'aria-label': 'Copy your account id',
        onclick: async () => status.set(await copyText(ctx.me.account) ? 'Your account id was copied.' : 'Copying failed: select the id and copy it.', 'ok'),
        text: 'Copy',
      }), ': give it to a village’s local to be invited, or to a founder to be named co-founder. In a village you are one person whichever of your devices you use.'),
    status,
    h('section', { 'aria-labelledby': 'villages-heading' }, listHeading, list),
    form,
    askForm,
    sentBox,
  );

  // load redraws the list only when it changed (a redraw under a click
  // loses the click).
  let shown = null;
  async function load() {
    try {
      const vs = (await api.villages()).villages || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(vs);
      if (text === shown) return;
      shown = text;
      listHeading.textContent = `Your villages (${vs.length})`;
      if (!vs.length) {
        replace(list, h('li', { class: 'empty', text: 'You take part in no village yet. Found one below, or ask a local to invite you.' }));
        return;
      }
      replace(list, ...vs.map((v) => h('li', { class: 'village-item card', dataset: { testid: 'village-item', village: v.id } },
        h('h3', {}, h('a', { href: '#/village/' + v.id, ptext: v.known ? (v.name || 'Unnamed village') : 'Village not arrived yet' })),
        h('p', { class: 'meta' },
          h('span', { class: 'badge role', dataset: { role: v.role }, text: roles[v.role] || v.role }),
          v.mode ? h('span', { class: 'badge', text: v.mode === 'passive' ? 'Passive' : 'Active' }) : null,
          v.inbox ? h('span', { class: 'badge inbox', dataset: { testid: 'village-inbox-badge' }, text: `Inbox: ${plural(v.inbox, 'stranger')} waiting` }) : null,
          // Before the founding is complete nobody is a local yet: no count.
          v.known ? (v.founded ? ' ' + plural(v.locals, 'local') : ' Every founder accepts the founding on the village’s page.') : ' Only your invitation is here; the village arrives from its locals.'),
        h('p', { class: 'muted id', text: v.id }))));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  // loadSent redraws your requests when they changed.
  let sentShown = null;
  async function loadSent() {
    try {
      const rs = (await api.sentVillageRequests()).requests || [];
      if (!ctx.alive()) return;
      const text = JSON.stringify(rs);
      if (text === sentShown) return;
      sentShown = text;
      sentHeading.textContent = `Your requests (${rs.length})`;
      sentBox.hidden = !rs.length;
      replace(sentList, ...rs.map((r) => {
        const when = timeEl(r.timestamp);
        when.dataset.testid = 'my-request-time';
        return h('li', { class: 'card request', dataset: { testid: 'my-request', entry: r.entry, village: r.village } },
          h('p', { class: 'request-text', dataset: { testid: 'my-request-text' }, ptext: r.text }),
          h('p', { class: 'muted small' },
            'To village ', h('code', { title: r.village, text: shortId(r.village) }), ` · request ${r.seq} · sent `, when,
            r.blob ? [' · ', h('a', { href: blobURL(r.blob), target: '_blank', rel: 'noopener', dataset: { testid: 'my-request-file-link', blob: r.blob }, text: 'attached file' })] : null));
      }));
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  askForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const village = askVillage.value.trim();
    const to = askTo.value.trim();
    const text = askText.value.trim();
    const file = askFile.files && askFile.files[0];
    let bad = null;
    if (!/^ent_[a-z0-9]+$/.test(village)) {
      bad = [askVillage, 'A village id starts with ent_: ask a local of the village for it.'];
    } else if (!/^dev_[a-z0-9]+$/.test(to) && !(to.startsWith('/') && to.includes('/p2p/'))) {
      bad = [askTo, 'Name the local by device id (dev_…) or by an address with /p2p/.'];
    } else if (!text) {
      bad = [askText, 'Write what you ask of the village.'];
    }
    if (bad) {
      askStatus.set(bad[1], 'error');
      bad[0].focus();
      return;
    }
    askBtn.disabled = true;
    try {
      let blob = '';
      if (file) {
        askStatus.set('Uploading the file…');
        blob = (await api.uploadFile(file)).id;
      }
      askStatus.set('Sending the request to the local…');
      const res = await api.sendVillageRequest(village, to, text, blob);
      askText.value = '';
      askFile.value = '';
      askStatus.set('Sent: the local’s node took your request (under “Your requests” below); the other locals see it once a local answers you.', 'ok');
      ctx.announce('Your request was sent.');
    } catch (err) {
      const why = errorText(err);
      askStatus.set(err.code === 'conflict' ? 'Refused: ' + why : err.code === 'unreachable' ? 'The local could not be reached: ' + why : why, 'error');
    } finally {
      askBtn.disabled = false;
      await loadSent();
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = nameIn.value.trim();
    const cofounders = cofIn.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    if (!name) {
      foundStatus.set('Give the village a name.', 'error');
      nameIn.focus();
      return;
    }
    const bad = cofounders.find((c) => !/^acc_[a-z0-9]+$/.test(c));
    if (!cofounders.length || bad) {
      foundStatus.set(bad ? `“${bad}” is not an account id: they start with acc_.` : 'Name at least one co-founder by account id (acc_…).', 'error');
      cofIn.focus();
      return;
    }
    const ruleBad = admitRule.check() || excludeRule.check();
    if (ruleBad) {
      foundStatus.set(ruleBad[1], 'error');
      ruleBad[0].focus();
      return;
    }
    submit.disabled = true;
    foundStatus.set('Founding…');
    try {
      const res = await api.foundVillage(name, { ...admitRule.body(), ...excludeRule.body() }, cofounders);
      foundStatus.set('Founded. Each co-founder now accepts it on their Villages page.', 'ok');
      ctx.announce(`Village ${name} founded.`);
      location.hash = '#/village/' + res.village;
    } catch (err) {
      foundStatus.set(err.code === 'bad_request' ? 'Not founded: ' + errorText(err) : errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  // #/villages?ask=ent_… opens the ask form filled in with the village.
  const ask = ctx.query.get('ask');
  if (ask) {
    askVillage.value = ask;
    askForm.scrollIntoView({ block: 'start' });
    askTo.focus();
  }

  let timer = null;
  let sentChanged = false;
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('village.')) {
      sentChanged = sentChanged || e.type === 'village.request';
      clearTimeout(timer);
      timer = setTimeout(() => {
        load();
        if (sentChanged) {
          sentChanged = false;
          loadSent();
        }
      }, 300);
    }
  });
  ctx.on('resync', () => {
    load();
    loadSent();
  });
  await Promise.all([load(), loadSent()]);
}
