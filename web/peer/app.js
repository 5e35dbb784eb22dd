// The browser peer's page (doc/browser.md): the device key in WebCrypto,
// entries in IndexedDB, kith's rules in WebAssembly (kith.wasm), the
// network in js-libp2p (net.js).
import * as net from './net.js'

const $ = (id) => document.getElementById(id)
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

function say (msg) { $('status').textContent = msg }
function problem (msg) {
  const p = $('problem')
  p.textContent = msg
  p.hidden = !msg
}

// ---- IndexedDB: the device key and every entry held, in the order added.

function openDB () {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('kith-peer', 1)
    req.onupgradeneeded = () => {
      const db = req.result
      db.createObjectStore('keys')
      db.createObjectStore('entries', { keyPath: 'n', autoIncrement: true }).createIndex('id', 'id', { unique: true })
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

// txn runs fn in one transaction and settles when it is committed (or
// aborted: then nothing of it was written).
function txn (db, store, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode)
    let result
    t.oncomplete = () => resolve(result)
    t.onabort = t.onerror = () => reject(t.error || new Error('the transaction was aborted'))
    const r = fn(t.objectStore(store))
    if (r) r.onsuccess = () => { result = r.result }
  })
}

// deviceKey returns this browser's device key, made on the first visit as
// a non-extractable WebCrypto Ed25519 key: the page can sign with it, and
// nothing (not this page either) can read it out.
async function deviceKey (db) {
  const kept = await txn(db, 'keys', 'readonly', (s) => s.get('device'))
  if (kept) return kept
  let pair
  try {
    pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
  } catch (e) {
    throw new Error('This browser has no Ed25519 keys in WebCrypto (' + e.message + '), so it cannot hold a kith device key safely. Use a current Chromium, Firefox or Safari.')
  }
  const key = { privateKey: pair.privateKey, publicRaw: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) }
  await txn(db, 'keys', 'readwrite', (s) => s.put(key, 'device'))
  return key
}

// ---- WebAssembly: kith's Go.

function loadWasm () {
  return new Promise((resolve, reject) => {
    window.kithReady = resolve
    const go = new window.Go()
    WebAssembly.instantiateStreaming(fetch('kith.wasm'), go.importObject)
      .then((r) => go.run(r.instance))
      .catch(reject)
  })
}

// ---- The page.

const state = { db: null, key: null, peer: null, p2p: null, writes: Promise.resolve(), written: 0, failed: null }

// keptProblem says why entries could not be kept.
function keptProblem (err, what) {
  if (err && err.name === 'QuotaExceededError') {
    return 'The browser\'s storage for this page is full: ' + what + ' not kept (nothing of it was written). Free some space (other sites\' data) and reload.'
  }
  return what + ' could not be kept in this browser\'s storage: ' + (err && err.message) + '. Nothing of it was written; reload to try again.'
}

// keepOwn keeps one of this device's new entries before the peer makes
// it: if the transaction fails, the post fails and nothing is sent.
function keepOwn (e) {
  const w = state.writes.then(() => {
    if (state.failed) throw new Error('entries from the node could not be kept; reload first')
    return txn(state.db, 'entries', 'readwrite', (s) => s.add(e))
  })
  state.writes = w.then(() => { state.written++ }, () => {})
  return w.catch((err) => {
    problem(keptProblem(err, 'your new entry was'))
    throw err
  })
}

// keep writes entries from peers to IndexedDB, one transaction a batch: a
// batch is kept whole or not at all (a tab closed in the middle, a full
// quota). After a failure nothing more is written, so that what IndexedDB
// holds stays a prefix of each log; a reload syncs the rest again.
function keep (entries) {
  state.writes = state.writes.then(() => {
    if (state.failed) return
    return txn(state.db, 'entries', 'readwrite', (s) => {
      for (const e of entries) s.add(e)
    }).then(() => {
      state.written += entries.length
    }, (err) => {
      state.failed = err
      problem(keptProblem(err, entries.length + ' new entries from the node were') + ' They will come again from the node.')
    })
  })
  scheduleRender()
}

let renderTimer = null
function scheduleRender () {
  if (renderTimer) return
  renderTimer = setTimeout(() => { renderTimer = null; renderPosts() }, 50)
}

async function renderPosts () {
  if (state.loaded !== undefined && !state.failed) say('Ready: ' + (state.loaded + state.written) + ' entries kept in this browser.')
  const posts = await state.peer.posts()
  const me = state.peer.account()
  const ul = $('posts')
  ul.replaceChildren(...posts.reverse().map((p) => {
    const li = document.createElement('li')
    li.dataset.testid = 'peer-post-item'
    const who = document.createElement('div')
    who.className = 'who'
    who.textContent = (me && p.account_id === me.account_id ? 'you' : (p.account_id || p.device_id).slice(0, 16) + '…') + ' · #' + p.seq
    const text = document.createElement('div')
    text.textContent = p.text
    li.append(who, text)
    return li
  }))
}

function showAccount () {
  const a = state.peer.account()
  $('setup').hidden = !!a
  $('me').hidden = !a
  if (a) {
    $('account').textContent = a.account_id
    $('device').textContent = a.device_id
  }
}

// connect dials the node over WebSocket, learns its account from its
// certificate (/kith/cert/1) and follows it, and runs sync sessions with it
// (/kith/sync/1): this side opens one when its key is the smaller, as
// doc/protocol/sync.md says; the node opens it otherwise.
async function connect (addr) {
  if (!state.p2p) {
    state.p2p = await net.start(state.key)
    await state.p2p.handle('/kith/cert/1', async (stream) => {
      const s = net.byteStream(stream)
      try { await s.write(await state.peer.certMessage()) } finally { s.close() }
    })
    await state.p2p.handle('/kith/sync/1', (stream, conn) => {
      runSync(hex(net.remoteKey(conn)), stream, false)
    })
    watchPeers()
  }
  state.nodeAddr = addr
  state.nodePeer = net.peerIdOf(addr)
  $('net').textContent = 'Connecting to ' + addr + '…'
  const conn = await state.p2p.dial(net.multiaddr(addr))
  const remote = net.remoteKey(conn)
  const cert = await conn.newStream('/kith/cert/1')
  const node = await state.peer.acceptCert(hex(remote), net.byteStream(cert), true)
  $('net').textContent = 'Connected to the node of ' + node.account_id.slice(0, 16) + '…'
  $('net').dataset.account = node.account_id
  state.node = hex(remote)
  if (less(state.key.publicRaw, remote)) {
    runSync(hex(remote), await conn.newStream('/kith/sync/1'), true)
  }
  introductions()
}

function less (a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

function runSync (remote, stream, initiator) {
  state.peer.sync(remote, net.byteStream(stream), initiator).catch((err) => {
    if (remote === state.node) problem('The sync with the node stopped: ' + err.message)
  })
}

// ---- Other browser peers (doc/browser.md, "Browser to browser"): the
// node introduces the browser peers of its circle that hold a slot at its
// signalling relay (/kith/introduce/1); this page dials each over WebRTC,
// signalled through the node (the peer with the smaller key dials, so
// that two peers make one connection), and then syncs with it directly, as with a
// node: certificates both ways (each follows the other's account), then
// the smaller key opens the session. The direct connections outlive the
// node. When the node's connection ends, the page dials it again.

const INTRODUCE_EVERY = 5000 // ms between questions to the node
const REDIAL_EVERY = 3000 // ms between tries to reach the node again

// watchPeers meets every direct connection to a peer other than the node,
// and dials the node again when its connection ends.
function watchPeers () {
  state.direct = new Map() // device key (hex) → {conn, label} of the browser peers met
  state.p2p.addEventListener('connection:open', (ev) => {
    const conn = ev.detail
    if (conn.remotePeer.toString() === state.nodePeer || !net.isDirect(conn)) return
    if (!state.direct.has(hex(net.remoteKey(conn)))) meet(conn)
  })
  state.p2p.addEventListener('connection:close', (ev) => {
    const conn = ev.detail
    const remote = hex(net.remoteKey(conn))
    const met = state.direct.get(remote)
    if (met && met.conn === conn) {
      state.direct.delete(remote)
      showPeers()
      const other = state.p2p.getConnections(conn.remotePeer).find((c) => c !== conn && net.isDirect(c))
      if (other) meet(other)
    }
    if (conn.remotePeer.toString() === state.nodePeer && state.p2p.getConnections(conn.remotePeer).length === 0 && !state.redialTimer) {
      $('net').textContent = 'The node went away; trying again…'
      delete $('net').dataset.account
      redial()
    }
  })
}

// meet exchanges certificates with a browser peer on a direct connection
// (each follows the other's account), and opens the sync session when
// this side's key is the smaller.
async function meet (conn) {
  const remote = hex(net.remoteKey(conn))
  const met = { conn, transport: net.transportOf(conn), account: '' }
  state.direct.set(remote, met)
  try {
    const cert = await conn.newStream('/kith/cert/1')
    const peer = await state.peer.acceptCert(remote, net.byteStream(cert), true)
    met.account = peer.account_id
    showPeers()
    if (less(state.key.publicRaw, net.remoteKey(conn))) {
      runSync(remote, await conn.newStream('/kith/sync/1'), true)
    }
  } catch (err) {
    console.warn('meeting ' + remote.slice(0, 12) + ': ' + err.message)
    if (state.direct.get(remote) === met) state.direct.delete(remote)
    showPeers()
  }
}

function showPeers () {
  const ps = [...state.direct.values()].filter((m) => m.account)
  $('net').dataset.direct = ps.length
  $('direct').textContent = ps.length ? 'Directly connected to ' + ps.length + ' browser peer' + (ps.length > 1 ? 's' : '') + ': ' + ps.map((m) => m.transport + ' ' + m.account.slice(0, 16) + '…').join(', ') + '.' : ''
}

// introductions asks the node which browser peers to meet, now and every
// INTRODUCE_EVERY ms while connected to it, and dials the new ones.
async function introductions () {
  clearTimeout(state.introTimer)
  const node = state.node
  try {
    const conns = state.p2p.getConnections().filter((c) => hex(net.remoteKey(c)) === node)
    if (conns.length === 0) return
    const keys = await window.kith.readIntroduction(net.byteStream(await conns[0].newStream('/kith/introduce/1')))
    for (const k of keys) {
      const raw = new Uint8Array(k.match(/../g).map((b) => parseInt(b, 16)))
      if (state.direct.has(k) || !less(state.key.publicRaw, raw)) continue
      state.p2p.dial(net.webRTCAddr(state.nodeAddr, raw)).catch((err) => console.warn('WebRTC to ' + k.slice(0, 12) + ': ' + err.message))
    }
  } catch (err) {
    console.warn('introductions: ' + err.message)
  }
  if (state.node === node) state.introTimer = setTimeout(introductions, INTRODUCE_EVERY)
}

function redial () {
  state.redialTimer = setTimeout(() => {
    connect(state.nodeAddr).then(() => { state.redialTimer = null; problem('') }, () => redial())
  }, REDIAL_EVERY)
}

async function main () {
  try {
    const [db] = await Promise.all([openDB(), loadWasm()])
    state.db = db
    state.key = await deviceKey(db)
    state.peer = window.kith.newPeer({
      device: hex(state.key.publicRaw),
      sign: async (msg) => new Uint8Array(await crypto.subtle.sign('Ed25519', state.key.privateKey, msg)),
      onAdded: keep,
      keep: keepOwn
    })
    const kept = await txn(db, 'entries', 'readonly', (s) => s.getAll())
    await state.peer.load(kept)
    state.loaded = kept.length
    showAccount()
    await renderPosts()
    say('Ready: ' + kept.length + ' entries kept in this browser.')
    const m = location.hash.match(/node=([^&]+)/)
    if (m) $('node-addr').value = decodeURIComponent(m[1])
    if (state.peer.account() && $('node-addr').value) await connect($('node-addr').value)
  } catch (err) {
    problem(err.message)
    say('Stopped.')
  }
}

$('setup-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  try {
    const r = await state.peer.createAccount($('device-name').value)
    $('phrase').replaceChildren(...r.phrase.split(' ').map((w) => { const li = document.createElement('li'); li.textContent = w; return li }))
    $('setup').hidden = true
    $('phrase-box').hidden = false
  } catch (err) { problem(err.message) }
})

// Restoring: this browser becomes a new device of the phrase's account,
// with its own key; the phrase is not kept.
$('restore-button').addEventListener('click', async () => {
  try {
    await state.peer.createAccount($('device-name').value, $('restore-phrase').value)
    $('restore-phrase').value = ''
    problem('')
    showAccount()
    if ($('node-addr').value) await connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
  } catch (err) { problem(err.message) }
})

$('phrase-done').addEventListener('click', async () => {
  $('phrase').replaceChildren()
  $('phrase-box').hidden = true
  showAccount()
  if ($('node-addr').value) await connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
})

$('node-form').addEventListener('submit', (ev) => {
  ev.preventDefault()
  connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
})

$('post-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  const text = $('post-text').value
  try {
    await state.peer.post(text)
    $('post-text').value = ''
    problem('')
    scheduleRender()
  } catch (err) { if (!$('problem').textContent) problem('The post was not made: ' + err.message) }
})

// For tests and for the curious: the peer and how far IndexedDB got.
window.kithPeer = state

main()
