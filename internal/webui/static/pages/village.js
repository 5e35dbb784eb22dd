// pages/village.js: one village, read as a shared contact book of
// strangers: the charter and your membership, the inbox of strangers'
// requests no local has answered yet, the locals and invitations, every
// stranger with its standing, its requests, who vouched with which proof,
// every local's vote and note, your vote and note; exclusion proposals;
// your state. Refreshed live on village.* entries (doc/api.md "Villages").
import { linkIds } from '../idtext.js';
import { h, replace, shortId, statusLine, errorText, plural, timeEl } from '../dom.js';
import { api, blobURL } from '../api.js';
import { alikeBadge, cleanName, iso } from '../peertext.js';
import { nameOf } from '../names.js';

// ruleWords says a charter rule in plain words: the API's (admit_rule,
// exclude_rule); an older node's answer without the words falls back to
// the method's name.
export function ruleWords(method, expr, words) {
  return words || method;
}

// Positions a local takes on an invitation or exclusion (doc/api.md "PUT
// /api/v1/villages/{id}/positions"), in words.
const positionWords = { agree: 'agrees', disagree: 'disagrees', abstain: 'abstains', block: 'blocks' };

// Standing: a symbol and a word, never color alone.
const standings = {
  vetoed: { sym: '✕', text: 'Vetoed' },
  accepted: { sym: '✓', text: 'Accepted' },
  acknowledged: { sym: '○', text: 'Acknowledged' },
};
// A pending stranger (in the inbox): it asked, no current local answered.
const pendingBadge = { sym: '?', text: 'Waiting for an answer' };

const voteWords = { deferred: 'Deferred', veto: 'Veto', accept: 'Accept' };

const localStatus = {
  founder: 'Founder, founding not complete',
  local: 'Local',
  left: 'Left',
  excluded: 'Excluded',
};

const outcomes = { open: 'Open', passed: 'Passed: excluded', moot: 'Moot' };

// shortStranger shows a stranger id (128 hex digits) as its first 16.
export function shortStranger(id) {
  return id && id.length > 16 ? id.slice(0, 16) + '…' : id || '';
}

// strangerName is how the page names a stranger: the profile name held
// of its account, else its account id, shortened; with the start of its
// user id when that is not the account (the account alone may then name
// two strangers).
export function strangerName(s) {
  const base = cleanName(s.name || '') || (s.account ? shortId(s.account) : shortStranger(s.id));
  return s.user_is_account || !s.id ? base : `${base} (user ${s.id.slice(64, 72)}…)`;
}

// strangerText reads what a person typed to name a stranger: an account
// (acc_…), a request (ent_…) or the 128 hexadecimal digits; null if none.
function strangerText(t) {
  const s = t.trim();
  if (/^(acc|ent)_[a-z2-7]{58}$/i.test(s)) return s.toLowerCase();
  if (/^[0-9a-f]{128}$/i.test(s)) return s.toLowerCase();
  return null;
}

// latestRequest is the time of a stranger's latest request (0 without).
function latestRequest(s) {
  return Math.max(0, ...(s.requests || []).map((r) => r.timestamp || 0));
}

export default async function village(main, ctx) {
  const id = ctx.params[0];
  ctx.title('Village');
  let v = null;
  let first = true;

  // Elements kept across refreshes (typed text, chosen files, messages):
  // made once by key, moved into the rebuilt lists.
  const kept = new Map();
  // fetchedFiles: the requests whose file this page had the node fetch.
  const fetchedFiles = new Set();
  function keep(key, make) {
    if (!kept.has(key)) kept.set(key, make());
    return kept.get(key);
  }
  // rebuild redraws a container, giving focus back to the element (by id)
  // that had it.
  function rebuild(container, draw) {
    const a = document.activeElement;
    const focusId = a && a.id && container.contains(a) ? a.id : null;
    draw();
    if (focusId) {
      const el = document.getElementById(focusId);
      if (el && el !== document.activeElement) el.focus();
    }
  }

  const status = statusLine('village-status');
  const title = h('h1', { tabindex: '-1', dataset: { testid: 'village-name' }, text: 'Village' });
  const charter = h('div', { dataset: { testid: 'village-charter' } });
  const problems = h('div', { class: 'warning', dataset: { testid: 'village-problems' }, hidden: true });
  const membership = h('section', { class: 'card membership', dataset: { testid: 'village-membership' }, 'aria-labelledby': 'membership-heading' });
  const membershipStatus = statusLine('membership-status');

  // The inbox: pending strangers, their requests and the locals' answers.
  const inboxHeading = h('h2', { id: 'inbox-heading', tabindex: '-1', text: 'Inbox' });
  const inboxDropped = h('p', { class: 'muted', dataset: { testid: 'inbox-dropped' }, hidden: true });
  const inboxList = h('ul', { class: 'strangers inbox', dataset: { testid: 'village-inbox' }, 'aria-labelledby': 'inbox-heading' });
  const inboxCount = h('span', { dataset: { testid: 'village-inbox-count' } });
  const inboxNote = h('p', { class: 'inbox-note', hidden: true }, inboxCount, ' ',
    h('button', {
      type: 'button', class: 'secondary small', dataset: { testid: 'inbox-jump' },
      onclick: () => {
        inboxHeading.scrollIntoView({ block: 'start' });
        inboxHeading.focus();
      },
      text: 'Open the inbox',
    }));
  // Open exclusion proposals this local has not voted on: the other
  // thing that waits for it, shown at the top beside the inbox.
  const proposalsHeading = h('h2', { id: 'proposals-heading', tabindex: '-1', text: 'Exclusion proposals' });
  const votesCount = h('span', { dataset: { testid: 'village-votes-count' } });
  const votesNote = h('p', { class: 'inbox-note', hidden: true, dataset: { testid: 'village-votes-note' } }, votesCount, ' ',
    h('button', {
      type: 'button', class: 'secondary small', dataset: { testid: 'votes-jump' },
      onclick: () => {
        proposalsHeading.scrollIntoView({ block: 'start' });
        proposalsHeading.focus();
      },
      text: 'Show the proposals',
    }));
  // The strangers whose actions (vote, note) this page shows unfolded.
  const openActions = new Set();

  const localsList = h('ul', { class: 'locals', dataset: { testid: 'village-locals' }, 'aria-labelledby': 'locals-heading' });
  const localsHeading = h('h2', { id: 'locals-heading', text: 'Locals' });
  const invitationsList = h('ul', { class: 'invitations', dataset: { testid: 'village-invitations' }, 'aria-labelledby': 'invitations-heading' });
  const invitationsBox = h('div', {}, h('h3', { id: 'invitations-heading', text: 'Invitations' }), invitationsList);

  // Invite a local.
  const inviteIn = h('input', { id: 'invite-local-id', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'acc_…', dataset: { testid: 'invite-local-id' } });
  const inviteBtn = h('button', { type: 'submit', dataset: { testid: 'invite-local-submit' }, text: 'Invite' });
  const inviteStatus = statusLine('invite-local-status');
  const inviteForm = h('form', { class: 'inline-form', dataset: { testid: 'invite-local-form' } },
    h('h3', { text: 'Invite a local' }),
    h('label', { for: 'invite-local-id', text: 'Their account id' }),
    h('div', { class: 'row' }, inviteIn, inviteBtn), inviteStatus);

  // Your settings in the village.
  const passiveOpt = h('option', { value: 'passive', text: 'Passive: my vote follows the active locals' });
  const modeSel = h('select', { id: 'userspec-mode', 'aria-describedby': 'userspec-mode-note', dataset: { testid: 'userspec-mode' } },
    h('option', { value: 'active', text: 'Active: I vote myself' }), passiveOpt);
  // Why the passive mode is not offered (village.md §3: a village keeps
  // two active locals; every node would ignore the userspec).
  const modeNote = h('p', { id: 'userspec-mode-note', class: 'muted', hidden: true, dataset: { testid: 'userspec-mode-note' } });
  const specName = h('input', { id: 'userspec-name', type: 'text', maxlength: 100, autocomplete: 'off', dataset: { testid: 'userspec-name' } });
  const specAbout = h('textarea', { id: 'userspec-about', rows: 2, maxlength: 2000, dataset: { testid: 'userspec-about' } });
  const specBtn = h('button', { type: 'submit', class: 'secondary', dataset: { testid: 'userspec-save' }, text: 'Save' });
  const specStatus = statusLine('userspec-status');
  const specForm = h('details', { class: 'userspec' },
    h('summary', { text: 'Your name and mode in this village' }),
    h('form', { dataset: { testid: 'userspec-form' } },
      h('label', { for: 'userspec-mode', text: 'Mode' }), modeSel, modeNote,
      h('label', { for: 'userspec-name', text: 'Name the locals see' }), specName,
      h('label', { for: 'userspec-about', text: 'About you (replaces what you wrote before)' }), specAbout,
      h('div', { class: 'row' }, specBtn), specStatus));

  // Strangers: the filter, the add form, the cards.
  const filterIn = h('input', { id: 'stranger-filter', type: 'search', autocomplete: 'off', spellcheck: 'false', dataset: { testid: 'stranger-filter' } });
  const filterStanding = h('select', { id: 'stranger-filter-standing', dataset: { testid: 'stranger-filter-standing' } },
    h('option', { value: '', text: 'Any standing' }),
    h('option', { value: 'vetoed', text: 'Vetoed' }),
    h('option', { value: 'acknowledged', text: 'Acknowledged' }),
    h('option', { value: 'accepted', text: 'Accepted' }));
  const strangerCount = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite', dataset: { testid: 'stranger-count' } });
  const strangersList = h('ul', { class: 'strangers', dataset: { testid: 'village-strangers' }, 'aria-labelledby': 'strangers-heading' });
  const strangersHeading = h('h2', { id: 'strangers-heading', text: 'Strangers' });
  const addIn = h('input', { id: 'stranger-add-id', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'acc_… (their account id)', 'aria-describedby': 'stranger-add-help', dataset: { testid: 'stranger-add-id' } });
  const addBtn = h('button', { type: 'submit', class: 'secondary', dataset: { testid: 'stranger-add-submit' }, text: 'Add' });
  const addStatus = statusLine('stranger-add-status');
  const addForm = h('form', { class: 'inline-form', dataset: { testid: 'stranger-add-form' } },
    h('label', { for: 'stranger-add-id', text: 'Add a stranger by their account id' }),
    h('p', { id: 'stranger-add-help', class: 'muted hint', text: 'Their account id (acc_…) is what \'kith id\' prints and their profile shows. Adding lists the stranger with your vote deferred: you can veto or accept with proof later.' }),
    h('div', { class: 'row' }, addIn, addBtn), addStatus);

  // Exclusions.
  const proposalsList = h('ul', { class: 'proposals', dataset: { testid: 'village-proposals' }, 'aria-labelledby': 'proposals-heading' });
  const subjectSel = h('select', { id: 'propose-subject', dataset: { testid: 'propose-subject' } });
  const reasonIn = h('textarea', { id: 'propose-reason', rows: 2, dataset: { testid: 'propose-reason' } });
  const proposeBtn = h('button', { type: 'submit', class: 'danger', dataset: { testid: 'propose-submit' }, text: 'Propose exclusion' });
  const proposeStatus = statusLine('propose-status');
  const proposeForm = h('form', { class: 'card', dataset: { testid: 'propose-form' } },
    h('label', { for: 'propose-subject', text: 'Local' }), subjectSel,
    h('label', { for: 'propose-reason', text: 'Reason' }), reasonIn,
    h('div', { class: 'row' }, proposeBtn), proposeStatus);
  // Rare: folded until asked for.
  const proposeBox = h('details', { class: 'folded', dataset: { testid: 'propose-details' } },
    h('summary', { text: 'Propose to exclude a local…' }), proposeForm);

  // State.
  const publishBtn = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'publish-state' }, text: 'Publish my state' });
  const publishStatus = statusLine('publish-status');
  const stateBox = h('details', { class: 'folded', dataset: { testid: 'state-details' } },
    h('summary', { id: 'state-heading', text: 'Your state…' }),
    h('p', { class: 'muted', text: 'Your state is a signed summary of the village as your device holds it: the others audit it against what you voted. Each local’s chain of states is under “View audited chain”.' }),
    h('div', { class: 'row' }, publishBtn), publishStatus);

  // The village's sections, shown once it has loaded.
  const body = h('div', { hidden: true });
  membership.hidden = true;
  main.append(
    h('p', { class: 'back' }, h('a', { href: '#/villages', text: '← Villages' })),
    title, inboxNote, votesNote, status, charter, problems,
    membership,
    body);
  body.append(
    h('section', { 'aria-labelledby': 'inbox-heading' },
      inboxHeading,
      h('p', { class: 'muted', text: 'A stranger asks the village through one local: its request shows here on that local’s node only, until a local answers by voting on the stranger; then every local sees its requests. Defer lists it in the contact book without a verdict, Accept with proof vouches for it, Veto refuses its requests from now on. Notes are shared with the locals. Files of strangers nobody answered yet are fetched only when you open them.' }),
      inboxDropped,
      inboxList),
    h('section', { 'aria-labelledby': 'proposals-heading' }, proposalsHeading, proposalsList, proposeBox),
    h('section', { 'aria-labelledby': 'strangers-heading' },
      strangersHeading,
      h('div', { class: 'filters' },
        h('div', {}, h('label', { for: 'stranger-filter', text: 'Search strangers' }), filterIn),
        h('div', {}, h('label', { for: 'stranger-filter-standing', text: 'Standing' }), filterStanding)),
      strangerCount, strangersList, addForm),
    h('section', { 'aria-labelledby': 'locals-heading' }, localsHeading, localsList, invitationsBox, inviteForm),
    stateBox,
  );

  // Who is who.
  function localOf(key) {
    return v && (v.locals || []).find((l) => l.key === key);
  }
  // Locals are accounts: one without a name in the village is shown by
  // its profile name, when this node holds one (asked once per account).
  const profiles = new Map();
  function lookUpNames() {
    const keys = new Set([...(v.founders || []), ...(v.locals || []).map((l) => l.key), ...(v.invitations || []).map((i) => i.invitee)]);
    for (const k of keys) {
      if (profiles.has(k)) continue;
      profiles.set(k, '');
      nameOf(k).then((n) => {
        const name = cleanName(n);
        if (!name || !ctx.alive()) return;
        profiles.set(k, name);
        draw();
      });
    }
  }
  // nameOfLocal is a local's name for a sentence (isolated: iso), or for
  // an element of its own (plain): its name in the village, else its
  // profile name, else a short id.
  function nameOfLocal(key, plain) {
    const l = localOf(key);
    const name = (l && (cleanName(l.name) || cleanName(l.profile_name))) || profiles.get(key);
    const n = name ? (plain ? name : iso(name)) : shortId(key);
    return key === v.me ? n + ' (you)' : n;
  }
  function names(keys) {
    return (keys || []).length ? keys.map(nameOfLocal).join(', ') : 'nobody';
  }
  const mine = () => localOf(v.me);
  const isLocal = () => {
    const l = mine();
    return !!l && l.status === 'local';
  };
  const isActive = () => isLocal() && mine().mode !== 'passive';
  const activeCount = () => (v.locals || []).filter((l) => l.status === 'local' && l.mode !== 'passive').length;
  // Why this device may not turn passive now, or '' (the reducer's rule:
  // an active local of two or fewer active locals stays active).
  const passiveRefusal = () => {
    if (!isActive() || activeCount() > 2) return '';
    return `You cannot turn passive now: a village keeps at least two active locals, and you are one of the ${activeCount()}. ` +
      'Invite another local, or ask a passive local to turn active, first.';
  };

  function drawHead() {
    ctx.title(v.name || 'Village');
    title.textContent = v.name || 'Unnamed village';
    title.dir = 'auto';
    const waiting = (v.locals || []).filter((l) => l.status === 'founder' && !l.accepted).map((l) => l.key);
    replace(charter,
      h('dl', { class: 'facts' },
        h('dt', { text: 'Strangers are accepted by' }), h('dd', { dataset: { testid: 'village-admit' }, text: ruleWords(v.admit, v.admit_expr, v.admit_rule) }),
        h('dt', { text: 'A local is excluded by' }), h('dd', { dataset: { testid: 'village-exclude' }, text: ruleWords(v.exclude, v.exclude_expr, v.exclude_rule) }),
        h('dt', { text: 'Founders' }), h('dd', { text: names(v.founders) }),
        h('dt', { text: 'Founded' }), h('dd', { text: v.founded ? 'Yes' : `Not yet: waiting for ${names(waiting)} to accept` }),
        h('dt', { text: 'Village id' }), h('dd', {}, h('code', { class: 'id', text: v.id }))),
      waitingList());
    const probs = v.problems || [];
    problems.hidden = !probs.length && !v.ignored;
    replace(problems,
      h('h2', { class: 'small-heading', text: 'Problems' }),
      probs.length ? h('ul', {}, probs.map((p) => h('li', {}, linkIds(p)))) : null,
      v.ignored ? h('p', { text: `${plural(v.ignored, 'entry', 'entries')} held here did not apply (refused by the village’s rules).` }) : null);
  }

  // waitingList says who the village waits on, whether this node reached
  // them, and what to do (doc/protocol/village.md §6a).
  function waitingList() {
    const ws = v.waiting || [];
    if (!ws.length) return null;
    return h('div', { class: 'waiting', dataset: { testid: 'village-waiting' } },
      h('h3', { class: 'small-heading', text: 'Waiting on' }),
      h('ul', {}, ws.map((w) => h('li', { dataset: { account: w.account, reached: String(w.reached) } },
        h('strong', { text: names([w.account]) }), ' ',
        h('span', { class: 'muted', text: w.reached ? `(${w.as}, reached)` : `(${w.as}, not reached)` }), ' ',
        h('span', { text: w.hint })))));
  }

  // waitingFor says "1 more local invites", "2 more locals invite".
  function waitingFor(n) {
    return n === 1 ? '1 more local invites' : `${n} more locals invite`;
  }

  // joined is what the Join button says it did, from the join's answer;
  // waitingToBeLocal remembers that it said this node waits for more
  // invitations, so that the page says when it became a local.
  let waitingToBeLocal = false;
  function joined(res) {
    waitingToBeLocal = !!(res && res.needed);
    return waitingToBeLocal ? 'You joined.' : 'You joined the village.'; // the role line above says what is still needed
  }

  function drawMembership() {
    const me = mine();
    const inv = (v.invitations || []).find((i) => i.invitee === v.me);
    let role;
    const buttons = [];
    if (me && me.status === 'founder' && !me.accepted) {
      role = 'You are named a founder and have not accepted yet.';
      buttons.push(h('button', { type: 'button', dataset: { testid: 'village-accept' }, onclick: () => act(() => api.villageAccept(id), 'You accepted the founding.'), text: 'Accept founding' }));
      // Not wanted (a stranger's founding, say): declined, it is dropped
      // from this node and frees its place among the unanswered ones.
      buttons.push(h('button', {
        type: 'button', class: 'secondary', dataset: { testid: 'village-decline' },
        onclick: async () => {
          try {
            await api.villageDecline(id);
            ctx.announce('You declined the founding.');
            location.hash = '#/villages';
          } catch (err) {
            membershipStatus.set(errorText(err), 'error');
          }
        },
        text: 'Decline',
      }));
    } else if (me && me.status === 'founder') {
      role = 'You accepted the founding; the others have not all accepted yet.';
    } else if (me && me.status === 'local') {
      role = `You are a local (${me.mode === 'passive' ? 'passive' : 'active'}).`;
      if (waitingToBeLocal) {
        waitingToBeLocal = false;
        membershipStatus.set('Enough locals invited you: you are a local now.', 'ok');
      }
    } else if (me && me.status === 'left') {
      role = 'You left this village.';
    } else if (me && me.status === 'excluded') {
      role = 'You were excluded from this village.';
    } else if (inv && inv.joined) {
      role = `You joined; you become a local once ${waitingFor(inv.needed)} you (the rule: ${ruleWords(v.admit, v.admit_expr, v.admit_rule)}). Ask them to endorse your invitation.`;
    } else if (inv) {
      role = inv.admitted ? 'You are invited and admitted: join to become a local.' : `You are invited (endorsed by ${names(inv.endorsers)}); the locals have not admitted you yet: ${plural(inv.needed, 'more local')} must invite you too.`;
      buttons.push(h('button', { type: 'button', dataset: { testid: 'village-join' }, onclick: () => act(() => api.villageJoin(id), joined), text: 'Join' }));
      // Not wanted: declined, the invitation is dropped from this node
      // (doc/protocol/village.md §6a).
      buttons.push(h('button', {
        type: 'button', class: 'secondary', dataset: { testid: 'village-decline' },
        onclick: async () => {
          try {
            await api.villageDecline(id);
            ctx.announce('You declined the invitation.');
            location.hash = '#/villages';
          } catch (err) {
            membershipStatus.set(errorText(err), 'error');
          }
        },
        text: 'Decline',
      }));
    } else {
      role = 'You do not take part in this village.';
    }
    if (me && me.status === 'local') {
      const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'leave-question' },
        h('p', { id: 'leave-question', text: 'Leave for good? You cannot come back unless invited again, and your votes stop counting.' }),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'danger', dataset: { testid: 'leave-confirm' }, onclick: () => act(() => api.villageLeave(id), 'You left the village.'), text: 'Leave the village' }),
          h('button', { type: 'button', class: 'secondary', dataset: { testid: 'leave-cancel' }, onclick: () => { confirmBox.hidden = true; leaveBtn.focus(); }, text: 'Cancel' })));
      const leaveBtn = h('button', {
        type: 'button', class: 'secondary', dataset: { testid: 'village-leave' }, 'aria-expanded': 'false',
        onclick: () => {
          confirmBox.hidden = false;
          leaveBtn.setAttribute('aria-expanded', 'true');
          confirmBox.querySelector('button').focus();
        },
        text: 'Leave…',
      });
      buttons.push(leaveBtn, confirmBox);
    }
    rebuild(membership, () => replace(membership,
      h('h2', { id: 'membership-heading', text: 'Your membership' }),
      h('p', { dataset: { testid: 'village-role' }, text: role }),
      buttons.length ? h('div', { class: 'row' }, buttons) : null,
      membershipStatus,
      me && me.status === 'local' ? specForm : null));
    const refusal = passiveRefusal();
    passiveOpt.disabled = !!refusal;
    modeNote.textContent = refusal;
    modeNote.hidden = !refusal;
    if (refusal && modeSel.value === 'passive') modeSel.value = 'active';
    if (first && me) {
      modeSel.value = me.mode === 'passive' ? 'passive' : 'active';
      specName.value = me.name || '';
      specAbout.value = me.about || '';
    }
  }

  // act runs fn, then says done (a text, or a function of fn's answer).
  async function act(fn, done) {
    try {
      const res = await fn();
      if (typeof done === 'function') done = done(res);
      membershipStatus.set(done, 'ok');
      ctx.announce(done);
      await load();
    } catch (err) {
      membershipStatus.set(errorText(err), 'error');
    }
  }

  // stancesList lists the locals' positions (stances: other than agree,
  // and for a proposal other than disagree): "Bea blocks: “reason”".
  function stancesList(stances, testid) {
    const ss = stances || [];
    if (!ss.length) return null;
    return h('ul', { class: 'stances', dataset: { testid }, 'aria-label': 'Positions' },
      ss.map((st) => h('li', { dataset: { testid: 'stance', local: st.local, position: st.position } },
        h('strong', { text: nameOfLocal(st.local, true) }), ' ' + (positionWords[st.position] || st.position),
        st.reason ? [': ', h('q', { class: 'stance-reason', ptext: st.reason })] : null)));
  }

  // positionForm is this local's position on an open invitation or
  // exclusion proposal (target: { invitee } or { proposal }): agree,
  // disagree, abstain, or block with a reason it requires. Its reason
  // field and message are kept across refreshes (key). skip leaves out
  // the positions another button of the card takes already (Endorse is
  // agree; Vote for and against are agree and disagree); first, when
  // given, is such a button, put first among these.
  function positionForm(key, target, what, mine, skip = [], first = null) {
    const reason = keep('reason-' + key, () => h('input', {
      id: 'reason-' + key, type: 'text', maxlength: 1000, autocomplete: 'off', placeholder: 'Why you block (required to block)',
      'aria-label': 'Your reason to block ' + what, dataset: { testid: 'position-reason' },
    }));
    const pos = keep('posstatus-' + key, () => statusLine('position-status'));
    const take = async (position) => {
      const why = reason.value.trim();
      if (position === 'block' && !why) {
        pos.set('Say why you block: the others read your reason.', 'error');
        reason.focus();
        return;
      }
      try {
        await api.villagePosition(id, target, position, position === 'block' ? why : '');
        const done = `Your position on ${what}: you ${position}.`;
        if (position === 'block') reason.value = '';
        pos.set(done, 'ok');
        ctx.announce(done);
        await load();
      } catch (err) {
        pos.set(errorText(err), 'error');
      }
    };
    const cur = mine && mine.position;
    const btn = (position, text, cls, dataset) => h('button', {
      type: 'button', class: cls + ' small', id: `pos-${position}-${key}`, dataset,
      // The current position's button is off, but Block: a new reason replaces the old.
      'aria-pressed': String(cur === position), disabled: cur === position && position !== 'block', onclick: () => take(position), text,
    });
    return h('div', { class: 'position-form', dataset: { testid: 'position-form' }, role: 'group', 'aria-label': 'Your position on ' + what },
      cur ? h('p', { class: 'small', dataset: { testid: 'my-position' }, text: `Your position: you ${cur}${mine.reason ? ` (“${mine.reason}”)` : ''}.` })
        : skip.includes('disagree') ? null : h('p', { class: 'small', dataset: { testid: 'my-position' }, text: 'Your position: none yet.' }),
      h('div', { class: 'row' }, first,
        skip.includes('agree') ? null : btn('agree', 'Agree', 'secondary', { testid: 'position-agree' }),
        skip.includes('disagree') ? null : btn('disagree', 'Disagree', 'secondary', { testid: 'position-disagree' }),
        btn('abstain', 'Abstain', 'secondary', { testid: 'position-abstain' })),
      h('div', { class: 'row' }, reason, btn('block', 'Block', 'danger', { testid: 'position-block' })),
      pos);
  }

  function drawLocals() {
    const ls = v.locals || [];
    localsHeading.textContent = `Locals (${ls.filter((l) => l.status === 'local').length})`;
    rebuild(localsList, () => replace(localsList, ...(ls.length ? ls.map((l) => h('li', { class: 'local', dataset: { testid: 'village-local', local: l.key, status: l.status } },
      h('div', { class: 'who' },
        h('strong', { ptext: nameOfLocal(l.key, true) }), alikeBadge(l.key, l.name, 'village ' + id),
        h('span', { class: 'badge', text: localStatus[l.status] || l.status }),
        h('span', { class: 'badge', dataset: { testid: 'local-mode', mode: l.mode }, text: l.mode === 'passive' ? 'Passive' : 'Active' }),
        l.about ? h('p', { class: 'local-about', dataset: { testid: 'local-about' }, ptext: l.about }) : null,
        h('div', { class: 'muted id', text: l.key }),
        l.state ? h('div', { class: 'muted small', text: 'Latest state ' + l.state.slice(0, 16) + '…' }) : h('div', { class: 'muted small', text: 'No state published yet' })),
      h('a', { href: `#/village/${id}/chain/${l.key}`, dataset: { testid: 'chain-link' }, 'aria-label': 'View audited chain of ' + nameOfLocal(l.key), text: 'View audited chain' }))) : [h('li', { class: 'empty', text: 'No locals known yet.' })])));

    const invs = v.invitations || [];
    invitationsBox.hidden = !invs.length;
    rebuild(invitationsList, () => replace(invitationsList, ...invs.map((i) => {
      const canEndorse = isLocal() && !i.admitted && i.invitee !== v.me && !(i.endorsers || []).includes(v.me);
      const canTake = isLocal() && !i.admitted && i.invitee !== v.me;
      const myStance = (i.endorsers || []).includes(v.me) ? { position: 'agree' } : (i.stances || []).find((st) => st.local === v.me);
      const them = i.invitee === v.me ? 'you' : 'them';
      const state = i.admitted ? 'admitted, not joined yet.'
        : i.needed < 0 ? `${i.joined ? 'joined; ' : ''}not admitted: more invitations alone cannot admit ${them} (a block or the positions stand in the way).`
          : `${i.joined ? 'joined, waiting' : 'waiting'} for ${plural(i.needed, 'more local')} to invite ${them}.`;
      const who = h('div', { class: 'who' },
        h('code', { class: 'id', text: i.invitee }),
        h('div', { dataset: { testid: 'invitation-state' }, text: `Endorsed by ${names(i.endorsers)}: ${state}` }),
        stancesList(i.stances, 'invitation-stances'));
      const endorse = canEndorse ? h('button', {
        type: 'button', class: 'secondary small', dataset: { testid: 'invitation-endorse' }, 'aria-label': 'Endorse the invitation of ' + shortId(i.invitee),
        onclick: async () => {
          try {
            await api.villageInvite(id, i.invitee);
            inviteStatus.set('You endorsed the invitation.', 'ok');
            await load();
          } catch (err) {
            inviteStatus.set(errorText(err), 'error');
          }
        },
        text: 'Endorse',
      }) : null;
      return h('li', { class: 'invitation', dataset: { testid: 'village-invitation', invitee: i.invitee } },
        who,
        canTake ? positionForm('inv-' + i.invitee, { invitee: i.invitee }, 'the invitation of ' + shortId(i.invitee), myStance, canEndorse ? ['agree'] : [], endorse) : endorse);
    })));
    inviteForm.hidden = !isLocal();

    // The exclusion form's choices: the other current locals.
    const prev = subjectSel.value;
    replace(subjectSel, ...ls.filter((l) => l.status === 'local' && l.key !== v.me).map((l) => h('option', { value: l.key, text: nameOfLocal(l.key) })));
    if (prev) subjectSel.value = prev;
    proposeBox.hidden = !isActive() || !subjectSel.options.length;
    stateBox.hidden = !isLocal();
  }

  function myVote(s) {
    const mv = (s.votes || []).find((x) => x.local === v.me && x.counted);
    return mv ? mv.vote : 'deferred';
  }

  // fileLink is the link to a request's file. The node does not fetch the
  // files of strangers no local has answered (village.md §6): the first
  // click asks it to (within the village's budget for such files), then
  // opens the file.
  function fileLink(r) {
    // Kept across redraws: the page redraws the cards on every event.
    const st = keep('file-status-' + r.entry, () => statusLine('request-file-status'));
    const a = h('a', {
      href: blobURL(r.blob), target: '_blank', rel: 'noopener', dataset: { testid: 'request-file-link', blob: r.blob },
      'aria-label': `File attached to the request “${iso([...r.text].slice(0, 40).join(''))}” (opens the file)`, text: 'attached file',
    });
    if (fetchedFiles.has(r.entry)) a.dataset.fetched = 'true';
    a.addEventListener('click', async (ev) => {
      if (a.dataset.fetched === 'true') return;
      ev.preventDefault();
      st.set('Fetching the file…');
      try {
        const f = await api.requestFile(id, r.entry);
        fetchedFiles.add(r.entry);
        a.dataset.fetched = 'true';
        st.set(`Fetched (${plural(f.size, 'byte')}).`);
        window.open(a.href, '_blank', 'noopener');
      } catch (err) {
        st.set(errorText(err), 'error');
      }
    });
    return { a, st };
  }

  // requestsList shows a stranger's requests: text, time, attached file.
  function requestsList(s) {
    const reqs = s.requests || [];
    if (!reqs.length) return null;
    return [
      h('h4', { text: reqs.length === 1 ? 'Request' : `Requests (${reqs.length})` }),
      h('ul', { class: 'requests', dataset: { testid: 'stranger-requests' } }, reqs.map((r) => {
        const when = timeEl(r.timestamp);
        when.dataset.testid = 'request-time';
        const file = r.blob ? fileLink(r) : null;
        return h('li', { class: 'request', dataset: { testid: 'stranger-request', entry: r.entry } },
          h('p', { class: 'request-text', dataset: { testid: 'request-text' }, ptext: r.text }),
          h('p', { class: 'muted small' }, 'Sent ', when, file ? [' · ', file.a] : null),
          file ? file.st : null);
      })),
    ];
  }

  function strangerCard(s) {
    const pending = !!s.pending;
    const st = pending ? pendingBadge : standings[s.standing] || { sym: '?', text: s.standing };
    const badge = pending ? 'pending' : s.standing;
    const key = s.id;
    const cardStatus = keep('status-' + key, () => statusLine('stranger-status'));
    const votes = s.votes || [];
    const vouches = votes.filter((x) => x.vote === 'accept' && x.proof && x.counted);
    const notes = s.notes || [];

    const vote = myVote(s);
    let yours = null;
    if (isLocal() && v.founded) {
      const proofIn = keep('proof-' + key, () => h('input', { type: 'file', id: 'proof-' + key, dataset: { testid: 'vote-proof' } }));
      const acceptForm = h('form', { class: 'accept-form', dataset: { testid: 'vote-accept-form' } },
        h('label', { for: 'proof-' + key, text: 'Proof for accepting (a file: a photo, a document)' }),
        h('div', { class: 'row' }, proofIn,
          h('button', { type: 'submit', id: 'accept-' + key, dataset: { testid: 'vote-accept' }, text: vote === 'accept' ? 'Accept with new proof' : 'Accept with proof' })));
      acceptForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const file = proofIn.files && proofIn.files[0];
        if (!file) {
          cardStatus.set('Choose the file that proves who this stranger is first.', 'error');
          proofIn.focus();
          return;
        }
        await cast(cardStatus, async () => {
          cardStatus.set('Uploading the proof…');
          const blob = await api.uploadFile(file);
          cardStatus.set('Voting…');
          await api.strangerVote(id, key, 'accept', blob.id);
          proofIn.value = '';
        }, 'You accepted with proof.');
      });
      yours = h('div', { class: 'your-vote', role: 'group', 'aria-label': (pending ? 'Your answer to ' : 'Your vote on ') + strangerName(s) },
        h('h4', { text: pending ? 'Your answer' : 'Your vote: ' + (voteWords[vote] || vote) }),
        mine().mode === 'passive' ? h('p', { class: 'muted small', text: 'You are passive: your vote follows the active locals whatever you cast.' }) : null,
        h('div', { class: 'row' },
          vote !== 'veto' ? h('button', {
            type: 'button', class: 'danger', id: 'veto-' + key, dataset: { testid: 'vote-veto' },
            onclick: () => cast(cardStatus, () => api.strangerVote(id, key, 'veto'), 'You vetoed.'), text: 'Veto',
          }) : null,
          vote === 'deferred' ? h('button', {
            type: 'button', class: 'secondary', id: 'defer-' + key, dataset: { testid: 'vote-defer' },
            onclick: () => cast(cardStatus, () => api.strangerVote(id, key, 'deferred'), 'Your vote is deferred.'), text: 'Defer',
          }) : null),
        acceptForm);
    }

    let noteForm = null;
    if (isLocal()) {
      const myNote = notes.find((n) => n.local === v.me);
      const noteText = keep('note-' + key, () => h('textarea', { id: 'note-' + key, rows: 2, maxlength: 4000, dataset: { testid: 'note-text' } }));
      const noteFile = keep('notefile-' + key, () => h('input', { type: 'file', id: 'notefile-' + key, dataset: { testid: 'note-file' } }));
      noteForm = h('form', { class: 'note-form', dataset: { testid: 'note-form' } },
        h('label', { for: 'note-' + key, text: myNote ? 'Replace your note' : 'Add a note' }), noteText,
        h('label', { for: 'notefile-' + key, class: 'light', text: 'Attach a file (optional)' }), noteFile,
        h('div', { class: 'row' }, h('button', { type: 'submit', class: 'secondary', id: 'notesubmit-' + key, dataset: { testid: 'note-submit' }, text: myNote ? 'Replace note' : 'Add note' })));
      noteForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = noteText.value.trim();
        const file = noteFile.files && noteFile.files[0];
        if (!text && !file) {
          cardStatus.set('Write a note first.', 'error');
          noteText.focus();
          return;
        }
        await cast(cardStatus, async () => {
          let blob = '';
          if (file) {
            cardStatus.set('Uploading the file…');
            blob = (await api.uploadFile(file)).id;
          }
          await api.strangerNote(id, key, text, blob);
          noteText.value = '';
          noteFile.value = '';
        }, 'Your note was added.');
      });
    }

    const dataset = { testid: 'village-stranger', stranger: key, standing: s.standing };
    if (pending) dataset.pending = 'true';
    // In the inbox the requests come first; no current local voted there
    // (the API counts their votes as deferred) and a former local's vote
    // does not count: no vouches nor votes.
    const votesPart = pending ? null : [
      h('h4', { text: 'Vouched for by' }),
      vouches.length ? h('ul', { class: 'vouches', dataset: { testid: 'stranger-vouches' } }, vouches.map((x) => h('li', {},
        nameOfLocal(x.local), ' with ',
        h('a', { href: blobURL(x.proof), target: '_blank', rel: 'noopener', dataset: { testid: 'proof-link', blob: x.proof }, 'aria-label': `Proof from ${nameOfLocal(x.local)} (opens the file)`, text: 'proof ' + shortId(x.proof) }))))
        : h('p', { class: 'muted', text: 'Nobody yet.' }),
      h('h4', { text: 'Votes' }),
      votes.length ? h('ul', { class: 'votes', dataset: { testid: 'stranger-votes' } }, votes.map((x) => h('li', { dataset: { testid: 'stranger-vote', local: x.local, vote: x.vote } },
        h('span', { class: 'voter', text: nameOfLocal(x.local) + ': ' }),
        h('strong', { text: voteWords[x.vote] || x.vote }),
        x.vote === 'accept' && x.proof ? [' (', h('a', { href: blobURL(x.proof), target: '_blank', rel: 'noopener', 'aria-label': `Proof from ${nameOfLocal(x.local)} (opens the file)`, text: 'proof' }), ')'] : null,
        x.mechanical ? h('span', { class: 'muted', text: ' — automatic, a passive local' }) : null,
        x.counted ? null : h('span', { class: 'muted', text: ' — former local, not counted' }))))
        : h('p', { class: 'muted', text: 'No votes.' }),
    ];
    // The local's actions on the stranger (vote, note) sit behind one
    // button; the page remembers which cards are unfolded.
    let actions = null;
    if (yours || noteForm) {
      actions = h('details', { class: 'stranger-actions', open: openActions.has(key), dataset: { testid: 'stranger-actions' } },
        h('summary', { class: 'button secondary small', dataset: { testid: 'stranger-actions-toggle' }, text: pending ? 'Answer…' : 'Vote or add a note…' }),
        yours, noteForm);
      actions.addEventListener('toggle', () => (actions.open ? openActions.add(key) : openActions.delete(key)));
    }
    return h('li', { class: 'card stranger' + (pending ? ' pending' : ''), id: 'stranger-' + key, dataset },
      h('div', { class: 'stranger-head' },
        h('h3', { dataset: { testid: 'stranger-name' } }, cleanName(s.name || '') ? [strangerName(s), ' ', alikeBadge(s.account, cleanName(s.name))] : ['Stranger ', h('code', { title: s.account || key, text: strangerName(s) })]),
        h('span', { class: 'standing ' + badge, dataset: { testid: 'stranger-standing', standing: badge } },
          h('span', { 'aria-hidden': 'true', text: st.sym + ' ' }), st.text)),
      s.standing === 'vetoed' ? h('p', { class: 'vetoers', text: 'Vetoed by ' + names(s.vetoers) }) : null,
      s.listed || pending ? null : h('p', { class: 'muted small', text: 'Not listed: no current local has voted on it.' }),
      h('details', {}, h('summary', { text: 'Ids' }),
        s.account ? h('p', {}, 'Account ', h('code', { class: 'id', dataset: { testid: 'stranger-account' }, text: s.account })) : null,
        h('p', {}, 'Stranger id ', h('code', { class: 'id', text: key }))),
      pending ? requestsList(s) : null,
      votesPart,
      pending ? null : requestsList(s),
      !pending || notes.length ? h('h4', { text: 'Notes' }) : null,
      notes.length ? h('ul', { class: 'notes', dataset: { testid: 'stranger-notes' } }, notes.map((n) => h('li', { dataset: { testid: 'stranger-note', local: n.local } },
        h('span', { class: 'voter', text: nameOfLocal(n.local) + ': ' }),
        h('span', { class: 'note-text', ptext: n.text }),
        n.blob ? [' ', h('a', { href: blobURL(n.blob), target: '_blank', rel: 'noopener', dataset: { testid: 'note-file-link' }, text: 'attached file' })] : null)))
        : pending ? null : h('p', { class: 'muted', text: 'No notes.' }),
      actions, cardStatus);
  }

  async function cast(st, fn, done) {
    const form = st.closest('li');
    const btns = form ? [...form.querySelectorAll('button')] : [];
    for (const b of btns) b.disabled = true;
    try {
      await fn();
      st.set(done, 'ok');
      ctx.announce(done);
      await load();
    } catch (err) {
      st.set(errorText(err), 'error');
    } finally {
      for (const b of btns) b.disabled = false;
    }
  }

  // matches says whether a stranger passes the filter.
  function matches(s) {
    const want = filterStanding.value;
    if (want && s.standing !== want) return false;
    const q = filterIn.value.trim().toLowerCase();
    if (!q) return true;
    const hay = [s.id, s.account || '', s.name || '', s.standing, ...(s.notes || []).map((n) => n.text + ' ' + nameOfLocal(n.local)),
      ...(s.requests || []).map((r) => r.text),
      ...(s.votes || []).map((x) => nameOfLocal(x.local) + ' ' + x.vote)].join(' ').toLowerCase();
    return hay.includes(q);
  }

  // drawInbox shows the pending strangers, the latest request first, and
  // their count under the village's name.
  function drawInbox() {
    const pending = (v.strangers || []).filter((s) => s.pending).sort((a, b) => latestRequest(b) - latestRequest(a));
    const n = pending.length;
    inboxHeading.textContent = `Inbox (${n})`;
    inboxCount.textContent = `Inbox: ${plural(n, 'stranger')} waiting for an answer`;
    inboxNote.hidden = !n;
    const dropped = (v.dropped && v.dropped.message) || '';
    inboxDropped.hidden = !dropped;
    inboxDropped.textContent = dropped ? dropped + ' to keep within this node’s bounds.' : '';
    ctx.title((n ? `(${n}) ` : '') + (v.name || 'Village'));
    rebuild(inboxList, () => replace(inboxList, ...(n ? pending.map(strangerCard)
      : [h('li', { class: 'empty', text: 'No stranger’s request waits for an answer.' })])));
  }

  // drawStrangers shows the contact book: every stranger but the pending.
  function drawStrangers() {
    const all = (v.strangers || []).filter((s) => !s.pending);
    strangersHeading.textContent = `Strangers (${all.length})`;
    const shown = all.filter(matches);
    rebuild(strangersList, () => replace(strangersList, ...(shown.length ? shown.map(strangerCard)
      : [h('li', { class: 'empty', text: all.length ? 'No stranger matches the search.' : 'The contact book is empty: no local has voted on a stranger yet.' })])));
    strangerCount.textContent = all.length && shown.length !== all.length ? `Showing ${shown.length} of ${all.length} strangers.` : '';
    addForm.hidden = !isLocal() || !v.founded;
  }

  function drawProposals() {
    const ps = v.proposals || [];
    const waiting = ps.filter((p) => p.outcome === 'open' && isActive() && p.subject !== v.me &&
      !(p.for || []).includes(v.me) && !(p.against || []).includes(v.me) && !(p.stances || []).some((st) => st.local === v.me)).length;
    votesNote.hidden = !waiting;
    votesCount.textContent = waiting ? `${plural(waiting, 'exclusion proposal')} ${waiting === 1 ? 'waits' : 'wait'} for your vote` : '';
    rebuild(proposalsList, () => replace(proposalsList, ...(ps.length ? ps.map((p) => {
      const canVote = p.outcome === 'open' && isActive() && p.subject !== v.me;
      const pStatus = keep('pstatus-' + p.id, () => statusLine('proposal-status'));
      const votePro = async (choice) => {
        try {
          await api.exclusionVote(id, p.id, choice);
          pStatus.set(`You voted ${choice}.`, 'ok');
          ctx.announce(`You voted ${choice} the exclusion.`);
          await load();
        } catch (err) {
          pStatus.set(errorText(err), 'error');
        }
      };
      const myChoice = (p.for || []).includes(v.me) ? 'for' : (p.against || []).includes(v.me) ? 'against' : '';
      return h('li', { class: 'card proposal', dataset: { testid: 'village-proposal', proposal: p.id, outcome: p.outcome } },
        h('h3', {}, 'Exclude ', nameOfLocal(p.subject), ' ',
          h('span', { class: 'badge outcome ' + p.outcome, dataset: { testid: 'proposal-outcome' }, text: outcomes[p.outcome] || p.outcome })),
        h('p', { text: `Proposed by ${nameOfLocal(p.proposer)}.` }),
        p.reason ? h('blockquote', { class: 'reason', ptext: p.reason }) : null,
        h('p', { dataset: { testid: 'proposal-tally' }, text: `For: ${names(p.for)}. Against: ${names(p.against)}.${(p.not_voted || []).length ? ` Not voted yet: ${names(p.not_voted)}.` : ''}` }),
        stancesList(p.stances, 'proposal-stances'),
        canVote ? h('div', { class: 'row', role: 'group', 'aria-label': 'Your vote on excluding ' + nameOfLocal(p.subject) },
          myChoice ? h('span', { text: `You voted ${myChoice}.` }) : null,
          h('button', { type: 'button', class: 'danger', id: 'pfor-' + p.id, dataset: { testid: 'proposal-for' }, disabled: myChoice === 'for', onclick: () => votePro('for'), text: 'Vote for' }),
          h('button', { type: 'button', class: 'secondary', id: 'pagainst-' + p.id, dataset: { testid: 'proposal-against' }, disabled: myChoice === 'against', onclick: () => votePro('against'), text: 'Vote against' })) : null,
        canVote ? positionForm('prop-' + p.id, { proposal: p.id }, 'excluding ' + nameOfLocal(p.subject),
          // "You voted for/against" says the other two already.
          myChoice ? null : (p.stances || []).find((st) => st.local === v.me), ['agree', 'disagree']) : null,
        pStatus);
    }) : [h('li', { class: 'empty', text: 'No exclusion was proposed.' })])));
  }

  function draw() {
    // A stranger answered from the inbox moves to the contact book: the
    // focus follows its card (the same element ids).
    const a = document.activeElement;
    const focusId = a && a.id && main.contains(a) ? a.id : null;
    body.hidden = false;
    membership.hidden = false;
    drawHead();
    drawMembership();
    drawInbox();
    drawStrangers();
    drawLocals();
    drawProposals();
    first = false;
    if (focusId && document.activeElement !== a) {
      const el = document.getElementById(focusId);
      if (el && el !== document.activeElement) el.focus();
    }
  }

  // load fetches the village and redraws it, only when it changed: a
  // redraw replaces the cards' buttons, and one under a person's click
  // loses the click. A load asked while one is under way runs again after
  // it (what changed meanwhile may not be in the answer on its way), and
  // every caller waits for the last.
  let loading = null;
  let again = false;
  let shown = '';
  async function loadOnce() {
    try {
      const got = await api.village(id);
      if (!ctx.alive()) return;
      status.set('');
      const text = JSON.stringify(got);
      if (v && text === shown) return;
      v = got;
      shown = text;
      draw();
      lookUpNames();
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.status === 404 && !v) {
        title.textContent = 'Village not arrived yet';
        membership.hidden = false;
        status.set('This node does not hold the village’s founding entry yet: it arrives from the village’s locals once a peer of theirs is connected. If you were invited, you can join already.', 'info');
        replace(membership, h('h2', { id: 'membership-heading', text: 'Your membership' }),
          h('div', { class: 'row' }, h('button', { type: 'button', dataset: { testid: 'village-join' }, onclick: () => act(() => api.villageJoin(id), joined), text: 'Join' })),
          membershipStatus,
          h('p', {}, 'Not invited? ', h('a', { href: '#/villages?ask=' + encodeURIComponent(id), dataset: { testid: 'ask-link' }, text: 'Ask this village something as a stranger' }), ': a local you can reach passes your request on to the others.'));
      } else {
        status.set(errorText(err), 'error');
      }
    }
  }
  function load() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        do {
          again = false;
          await loadOnce();
        } while (again && ctx.alive());
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  filterIn.addEventListener('input', () => v && drawStrangers());
  filterStanding.addEventListener('change', () => v && drawStrangers());

  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const s = strangerText(addIn.value);
    if (!s) {
      addStatus.set('Name the stranger by their account id (acc_… and 58 letters and digits), or by their 128-digit stranger id.', 'error');
      addIn.focus();
      return;
    }
    addBtn.disabled = true;
    try {
      await api.strangerVote(id, s, 'deferred');
      addIn.value = '';
      addStatus.set('Added, with your vote deferred.', 'ok');
      await load();
    } catch (err) {
      addStatus.set(errorText(err), 'error');
    } finally {
      addBtn.disabled = false;
    }
  });

  inviteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = inviteIn.value.trim();
    if (!/^acc_[a-z0-9]+$/.test(d)) {
      inviteStatus.set('An account id starts with acc_: ask them for the one on their Villages page.', 'error');
      inviteIn.focus();
      return;
    }
    inviteBtn.disabled = true;
    try {
      await api.villageInvite(id, d);
      inviteIn.value = '';
      inviteStatus.set('Invited. Once the locals admitted the invitation, they join from their Villages page.', 'ok');
      await load();
    } catch (err) {
      inviteStatus.set(errorText(err), 'error');
    } finally {
      inviteBtn.disabled = false;
    }
  });

  specForm.querySelector('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (modeSel.value === 'passive' && passiveRefusal()) {
      specStatus.set(passiveRefusal(), 'error');
      return;
    }
    specBtn.disabled = true;
    try {
      await api.villageUserspec(id, modeSel.value, specName.value.trim(), specAbout.value.trim());
      specStatus.set('Saved.', 'ok');
      await load();
    } catch (err) {
      specStatus.set(errorText(err), 'error');
    } finally {
      specBtn.disabled = false;
    }
  });

  proposeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!subjectSel.value) return;
    const reason = reasonIn.value.trim();
    if (!reason) {
      proposeStatus.set('Say why: the other locals vote on your reason.', 'error');
      reasonIn.focus();
      return;
    }
    proposeBtn.disabled = true;
    try {
      await api.proposeExclusion(id, subjectSel.value, reason);
      reasonIn.value = '';
      proposeStatus.set('Proposed. The locals vote on it below.', 'ok');
      await load();
    } catch (err) {
      proposeStatus.set(errorText(err), 'error');
    } finally {
      proposeBtn.disabled = false;
    }
  });

  publishBtn.addEventListener('click', async () => {
    publishBtn.disabled = true;
    publishStatus.set('Computing and publishing your state…');
    try {
      const r = await api.publishState(id);
      const s = r.state || {};
      publishStatus.set(`Published state ${s.seq}, commitment ${String(s.commitment || '').slice(0, 16)}…, naming ${plural(s.seen || 0, 'log')}.`, 'ok');
      await load();
    } catch (err) {
      publishStatus.set(errorText(err), 'error');
    } finally {
      publishBtn.disabled = false;
    }
  });

  let timer = null;
  ctx.on('entry', (e) => {
    if (typeof e.type === 'string' && e.type.startsWith('village.')) {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    }
  });
  ctx.on('resync', load);
  await load();
}
