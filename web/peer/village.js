// The villages of the browser peer's page (doc/browser.md, "Villages"):
// the villages this browser's account takes part in, reduced in the
// WebAssembly build by kith's own Go (internal/village), and what a local
// writes there (a position on an invitation or an exclusion, a vote or a
// note on a stranger), signed with this browser's device key and kept in
// IndexedDB before it is made, as a post is. This file only shows what
// the Go answers and sends back what the person chose.

const $ = (id) => document.getElementById(id)

let peer = null
let shown = '' // the JSON last rendered: render only when it changes
const drafts = new Map() // note drafts by village and stranger, kept across renders

function el (tag, attrs, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'testid') e.dataset.testid = v
    else if (k.startsWith('data-')) e.setAttribute(k, v)
    else e[k] = v
  }
  e.append(...children.filter((c) => c !== null && c !== undefined))
  return e
}

// who names a person: the name in the village or the profile, else a
// short id; the id is the tooltip.
function who (p) {
  const name = p.name || p.account.slice(0, 12) + '…'
  return el('span', { className: 'name', title: p.account, 'data-key': p.key }, p.you ? name + ' (you)' : name)
}

function names (ps) {
  if (!ps.length) return 'nobody yet'
  const out = []
  ps.forEach((p, i) => { if (i) out.push(', '); out.push(who(p)) })
  return el('span', {}, ...out)
}

function say (msg) {
  const p = $('village-problem')
  p.textContent = msg
  p.hidden = !msg
}

const roles = {
  local: 'You are a local.',
  invitee: 'You are invited.',
  founder: 'You are a founder; the village is founded once every founder accepts.',
  left: 'You left this village.',
  excluded: 'The locals excluded you from this village.'
}

// act writes one village entry through the WebAssembly build and says
// what happened; a refusal (not a local, a closed decision, a full
// storage) is said in the page, and nothing of the entry exists.
async function act (a) {
  say('')
  try {
    switch (a.kind) {
      case 'join': await peer.villageJoin(a.village); break
      case 'accept': await peer.villageAccept(a.village); break
      case 'position': await peer.villagePosition(a.village, { invitee: a.invitee, proposal: a.proposal, position: a.position, reason: a.reason || '' }); break
      case 'vote': await peer.villageVote(a.village, a.stranger, a.vote); break
      case 'note': await peer.villageNote(a.village, a.stranger, a.text); break
      default: throw new Error('no such village action: ' + a.kind)
    }
    if (a.kind === 'note') drafts.delete(a.village + a.stranger)
    await renderVillages()
    return 'written'
  } catch (err) {
    const m = err.message
    say('Not written: ' + m.charAt(0).toUpperCase() + m.slice(1))
    return m
  }
}

function button (label, testid, a, disabled) {
  const b = el('button', { type: 'button', textContent: label, testid, disabled: !!disabled })
  b.addEventListener('click', () => {
    b.disabled = true
    act(a).finally(() => { b.disabled = false })
  })
  return b
}

function positions (v, target, mine) {
  return el('span', { className: 'choices' },
    ...['agree', 'disagree', 'abstain'].map((pos) =>
      button(pos.charAt(0).toUpperCase() + pos.slice(1), 'peer-village-' + pos, Object.assign({ kind: 'position', village: v.id, position: pos }, target), mine === pos)))
}

function invitation (v, inv, local) {
  const li = el('li', { testid: 'peer-village-invitation', 'data-invitee': inv.invitee.key })
  const state = inv.admitted
    ? (inv.joined ? 'admitted' : 'admitted; waiting for them to join')
    : (inv.needed > 0 ? inv.needed + ' more ' + (inv.needed === 1 ? 'local needs' : 'locals need') + ' to agree' : (inv.needed < 0 ? 'cannot be admitted as it stands (a block)' : 'open'))
  li.append(el('div', { className: 'what' }, 'Invite ', who(inv.invitee), '? ', el('span', { testid: 'peer-village-invitation-state' }, state)),
    el('div', { className: 'detail' }, 'Agree: ', names(inv.endorsers),
      ...inv.stances.map((s) => el('span', {}, ' · ', who(s.local), ' ' + s.position + (s.reason ? ' (“' + s.reason + '”)' : '')))))
  if (local && !inv.admitted) {
    li.append(el('div', { className: 'detail' }, inv.mine ? 'Your position: ' + inv.mine + '. ' : 'You have not taken a position. ', positions(v, { invitee: inv.invitee.key }, inv.mine)))
  }
  return li
}

function proposal (v, pr, local) {
  const li = el('li', { testid: 'peer-village-proposal', 'data-proposal': pr.id })
  li.append(el('div', { className: 'what' }, 'Exclude ', who(pr.subject), '? proposed by ', who(pr.proposer), pr.reason ? ': “' + pr.reason + '”' : '', ' — ' + pr.outcome),
    el('div', { className: 'detail' }, 'For: ', names(pr.for), ' · Against: ', names(pr.against)))
  if (local && pr.outcome === 'open' && !pr.subject.you) {
    li.append(el('div', { className: 'detail' }, pr.mine ? 'Your position: ' + pr.mine + '. ' : 'You have not voted. ', positions(v, { proposal: pr.id }, pr.mine)))
  }
  return li
}

function stranger (v, s, local) {
  const li = el('li', { testid: 'peer-village-stranger', 'data-stranger': s.id })
  const name = s.name || 'A stranger (' + s.account.slice(0, 12) + '…)'
  li.append(el('div', { className: 'what' }, el('span', { className: 'name', title: s.account }, name), ' — ', el('span', { testid: 'peer-village-standing' }, s.standing)))
  for (const r of s.requests) li.append(el('blockquote', { testid: 'peer-village-request' }, r))
  li.append(el('div', { className: 'detail', testid: 'peer-village-votes' }, 'Votes: ',
    ...(s.votes.length ? s.votes.flatMap((b, i) => [i ? ', ' : '', who(b.local), ' ' + b.vote]) : ['none'])))
  for (const n of s.notes) li.append(el('div', { className: 'detail note', testid: 'peer-village-note' }, who(n.local), ': ' + n.text))
  if (local) {
    li.append(el('div', { className: 'detail' }, s.my_vote ? 'Your vote: ' + s.my_vote + '. ' : 'You have not voted. ',
      button('Veto', 'peer-village-veto', { kind: 'vote', village: v.id, stranger: s.id, vote: 'veto' }, s.my_vote === 'veto'),
      button('Defer', 'peer-village-defer', { kind: 'vote', village: v.id, stranger: s.id, vote: 'deferred' }, !!s.my_vote)))
    const key = v.id + s.id
    const text = el('textarea', { rows: 2, maxLength: 4000, testid: 'peer-village-note-text', placeholder: 'Your note on them, for the locals' })
    text.value = drafts.has(key) ? drafts.get(key) : (s.my_note || '')
    text.addEventListener('input', () => drafts.set(key, text.value))
    const save = el('button', { type: 'button', textContent: 'Save the note', testid: 'peer-village-note-save' })
    save.addEventListener('click', () => {
      save.disabled = true
      act({ kind: 'note', village: v.id, stranger: s.id, text: text.value }).finally(() => { save.disabled = false })
    })
    li.append(el('div', { className: 'detail' }, text, save))
  }
  return li
}

function villageCard (v) {
  const card = el('article', { className: 'village', testid: 'peer-village', 'data-village': v.id })
  if (v.unreadable) {
    card.append(el('p', { className: 'warn', testid: 'peer-village-unreadable' }, 'A village this browser cannot read: ' + v.unreadable + '.'))
    return card
  }
  if (!v.known) {
    card.append(el('p', {}, 'You are invited to a village whose founding has not reached this browser yet; it comes with the next sync.'))
    return card
  }
  const local = v.role === 'local'
  card.append(el('h3', { testid: 'peer-village-name' }, v.name),
    el('p', { testid: 'peer-village-role' }, (roles[v.role] || '') + (v.founded ? '' : ' Not founded yet.') + ' New locals: ' + v.admit_rule + '. Exclusion: ' + v.exclude_rule + '.'))
  if (v.role === 'founder' && !v.accepted) card.append(el('p', {}, button('Accept the founding', 'peer-village-accept', { kind: 'accept', village: v.id })))
  const mine = v.invitations.find((i) => i.invitee.you)
  if (v.role === 'invitee' && mine) {
    card.append(el('p', { testid: 'peer-village-invited' }, mine.joined
      ? 'You joined; you are a local once the invitation is admitted (' + (mine.needed > 0 ? mine.needed + ' more to agree' : 'waiting') + ').'
      : 'Join to take part; you are a local once the locals admit you. ',
    mine.joined ? null : button('Join ' + v.name, 'peer-village-join', { kind: 'join', village: v.id })))
  }
  card.append(el('p', { testid: 'peer-village-locals' }, 'Locals: ', names(v.locals)))
  if (v.waiting.length) card.append(el('p', {}, 'Waiting for ', names(v.waiting), ' to accept the founding.'))
  for (const p of v.problems) card.append(el('p', { className: 'warn' }, p))
  const invs = v.invitations.filter((i) => !i.invitee.you && !i.admitted)
  const props = v.proposals.filter((p) => p.outcome === 'open')
  if (invs.length || props.length) {
    card.append(el('h4', {}, 'Open decisions'),
      el('ul', { testid: 'peer-village-decisions' }, ...invs.map((i) => invitation(v, i, local)), ...props.map((p) => proposal(v, p, local))))
  }
  const admitted = v.invitations.filter((i) => !i.invitee.you && i.admitted && !i.joined)
  if (admitted.length) {
    card.append(el('h4', {}, 'Admitted, not joined yet'), el('ul', { testid: 'peer-village-admitted' }, ...admitted.map((i) => invitation(v, i, false))))
  }
  if (v.strangers.length) {
    card.append(el('h4', {}, 'Strangers'), el('ul', { testid: 'peer-village-strangers' }, ...v.strangers.map((s) => stranger(v, s, local))))
  }
  return card
}

// renderVillages shows the villages as the WebAssembly build reduces
// them now; it does nothing while the result is what is shown, so that a
// sync does not wipe what the person is typing.
export async function renderVillages (state) {
  if (state && state.peer) peer = state.peer
  if (!peer || !peer.villages) return
  let json
  try {
    json = await peer.villages()
  } catch (err) {
    say('The villages cannot be shown: ' + err.message)
    return
  }
  if (json === shown) return
  // Not while the person types a note: the render follows the blur.
  const typing = document.activeElement
  if (typing && typing.tagName === 'TEXTAREA' && $('village-list').contains(typing)) {
    typing.addEventListener('blur', () => renderVillages(), { once: true })
    return
  }
  shown = json
  const vs = JSON.parse(json)
  $('villages').hidden = vs.length === 0
  $('village-list').replaceChildren(...vs.map(villageCard))
}

// For tests and for the curious: what a button does, given by hand (a
// stale page's click, say).
window.kithVillage = { act, render: renderVillages }
