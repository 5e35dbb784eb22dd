// Spaces in the browser peer (doc/browser.md, "Spaces"): the encrypted
// spaces this browser's account belongs to, read here. The decryption key
// is a WebCrypto X25519 key (non-extractable: the page can only ask it for
// Diffie-Hellman values); kith's Go in WebAssembly opens the epoch keys
// wrapped to it and decrypts the messages, and nothing decrypted is kept.

const $ = (id) => document.getElementById(id)

// sealKey returns this browser's X25519 decryption key for spaces as
// {publicRaw, deriveBits(publicRaw of the other side) → Promise of the
// 32-byte shared secret}, made on the first call and kept in IndexedDB
// ('keys'/'seal', a CryptoKey that stays non-extractable), or null when
// this browser has no X25519 in WebCrypto (the page then says it cannot
// read spaces).
export async function sealKey (db) {
  let kept = await get(db, 'seal')
  if (!kept) {
    let pair
    try {
      pair = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])
    } catch (e) {
      return null
    }
    kept = { privateKey: pair.privateKey, publicRaw: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) }
    await put(db, 'seal', kept)
  }
  return {
    publicRaw: kept.publicRaw,
    privateKey: kept.privateKey,
    deriveBits: async (other) => {
      const pub = await crypto.subtle.importKey('raw', other, { name: 'X25519' }, true, [])
      return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, kept.privateKey, 256))
    }
  }
}

function get (db, key) {
  return new Promise((resolve, reject) => {
    const r = db.transaction('keys', 'readonly').objectStore('keys').get(key)
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

function put (db, key, value) {
  return new Promise((resolve, reject) => {
    const t = db.transaction('keys', 'readwrite')
    t.objectStore('keys').put(value, key)
    t.oncomplete = () => resolve()
    t.onabort = t.onerror = () => reject(t.error || new Error('the transaction was aborted'))
  })
}

// publishKey publishes this browser's encryption key in its public log
// when it has not yet (or the log names another): admins wrap a space's
// key to it once it reaches them.
export async function publishKey (peer) {
  if (!peer.spaceKeyKind()) return
  try {
    await peer.spacePublishKey()
  } catch (err) {
    console.warn('publishing the encryption key for spaces: ' + err.message)
  }
}

// render shows the spaces of this browser's account: each by name, its
// members by name, and its messages, decrypted here; those this browser
// cannot read are said so, never shown as ciphertext.
export async function render (peer) {
  const box = $('spaces')
  if (!box || !peer.account()) return
  let list
  try {
    list = await peer.spaceList()
  } catch (err) {
    $('space-problem').textContent = 'The spaces could not be read: ' + err.message
    $('space-problem').hidden = false
    return
  }
  $('space-problem').hidden = true
  box.hidden = list.length === 0
  const me = peer.account()
  const noKey = !peer.spaceKeyKind()
  $('space-nokey').hidden = !noKey
  $('space-list').replaceChildren(...list.map((s) => space(s, me)))
}

function space (s, me) {
  const a = document.createElement('article')
  a.className = 'space'
  a.dataset.testid = 'peer-space'
  a.dataset.spaceId = s.id
  const h = document.createElement('h3')
  h.dataset.testid = 'peer-space-name'
  h.textContent = s.name
  const role = document.createElement('span')
  role.className = 'role'
  role.textContent = s.role ? 'you are ' + (s.role === 'admin' ? 'an admin' : 'a member') : 'you are no longer a member'
  h.append(' ', role)
  const members = document.createElement('p')
  members.className = 'members'
  members.dataset.testid = 'peer-space-members'
  members.textContent = 'Members: ' + s.members.map((m) => who(m, me) + (m.role === 'admin' ? ' (admin)' : '')).join(', ')
  a.append(h, members)
  if (s.note) {
    const n = document.createElement('p')
    n.className = 'space-note'
    n.dataset.testid = 'peer-space-note'
    n.textContent = s.note
    a.append(n)
  }
  const ul = document.createElement('ul')
  ul.className = 'space-posts'
  ul.dataset.testid = 'peer-space-posts'
  // In the order they arrived; the latest 200.
  ul.append(...s.posts.slice(-200).map((p) => post(p, me)))
  if (s.posts.length === 0 && !s.note) {
    const li = document.createElement('li')
    li.className = 'empty'
    li.textContent = 'No messages yet.'
    ul.append(li)
  }
  a.append(ul)
  return a
}

function who (m, me) {
  const own = me && m.account_id === me.account_id
  if (own) return m.name ? m.name + ' (you)' : 'You'
  return m.name || (m.account_id ? m.account_id.slice(0, 12) + '…' : 'someone')
}

function post (p, me) {
  const li = document.createElement('li')
  li.dataset.testid = 'peer-space-post'
  li.dataset.status = p.status
  li.dataset.id = p.id
  const head = document.createElement('div')
  head.className = 'who'
  const name = document.createElement('span')
  name.className = 'name'
  name.dataset.testid = 'peer-space-author'
  name.textContent = who({ account_id: p.account_id, name: p.name }, me)
  name.title = p.account_id || p.device_id
  head.append(name, ' · ' + (p.device_name ? 'on ' + p.device_name : 'an unknown device'))
  if (p.status === 'readable' && p.time_ms) head.append(' · ' + new Date(p.time_ms).toLocaleString())
  if (p.removed) head.append(' · no longer a member')
  const body = document.createElement('div')
  if (p.status === 'readable') {
    body.dataset.testid = 'peer-space-text'
    body.textContent = p.text
  } else {
    li.className = 'unreadable'
    body.dataset.testid = 'peer-space-why'
    body.textContent = 'A message you cannot read. ' + p.detail
  }
  li.append(head, body)
  return li
}
