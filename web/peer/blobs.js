// The browser peer's blobs (doc/browser.md, "Blobs"): the pictures of the
// posts it holds. Each is fetched from the node the page is connected to
// with kith's blob protocol (/kith/blob/1, run by kith's Go in the
// WebAssembly build: blobsync.GetOne checks its size, its hash and its
// location metadata), kept in IndexedDB (object store 'blobs', key the
// blob id) and shown from there, also without the node. The pictures this
// page's person attaches are kept before their post is made, and served
// to the node (blobsync.ServeHeld).
import * as net from './net.js'

// STORE is the object store of the blobs: {id, size, bytes} under the id.
export const STORE = 'blobs'

// upgrade adds the blobs' store to the page's database (version 2);
// what version 1 holds (keys, entries) stays as it is.
export function upgrade (db, oldVersion) {
  if (oldVersion < 2 && !db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE)
}

const RETRY_AFTER = 30000 // ms before a picture that failed is asked again

const urls = new Map() // blob id → object URL of its kept bytes
const failed = new Map() // blob id → {msg, at} of its last failure
const busy = new Map() // blob id → Promise of its URL

// get reads a kept blob; undefined when not kept.
function get (db, id) {
  return new Promise((resolve, reject) => {
    const r = db.transaction(STORE, 'readonly').objectStore(STORE).get(id)
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

// put keeps a blob and settles once the transaction committed.
function put (db, id, bytes) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, 'readwrite')
    t.oncomplete = () => resolve()
    t.onabort = t.onerror = () => reject(t.error || new Error('the transaction was aborted'))
    t.objectStore(STORE).put({ id, size: bytes.length, bytes }, id)
  })
}

// keepOwn keeps a picture this page's person attaches to a post, before
// the post is made (a post never names a picture this browser cannot
// serve); bytes as prepared by the WebAssembly build (kith.prepareImage:
// checked, location removed). A full quota is said in words.
export async function keepOwn (db, id, bytes) {
  try {
    await put(db, id, bytes)
  } catch (err) {
    if (err && err.name === 'QuotaExceededError') throw new Error('the browser\'s storage for this page is full, so the picture was not kept. Free some space and try again.')
    throw new Error('the picture could not be kept in this browser\'s storage: ' + (err && err.message))
  }
}

// serve answers the node's /kith/blob/1 streams from the kept blobs
// (kith.serveBlobs: blobsync.ServeHeld hashes each before it sends it).
export function serve (db, stream) {
  return window.kith.serveBlobs(net.byteStream(stream), async (id) => {
    const kept = await get(db, id)
    return kept ? kept.bytes : null
  })
}

// AT_ONCE is how many pictures are fetched at once: a node serves 2
// transfers at once to one peer (doc/protocol/blobsync.md, "Limits"); the
// rest wait their turn here rather than be answered "busy".
const AT_ONCE = 2
let running = 0
const waiting = []

// inTurn runs fn once fewer than AT_ONCE fetches are running; a fetch
// that ends hands its turn to the one waiting longest.
async function inTurn (fn) {
  if (running >= AT_ONCE) await new Promise((resolve) => waiting.push(resolve))
  else running++
  try {
    return await fn()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

// fetchFromNode asks the node the page is connected to for blob id over a
// /kith/blob/1 stream of its own, AT_ONCE at a time.
function fetchFromNode (state, id) {
  return inTurn(() => fetchNow(state, id))
}

async function fetchNow (state, id) {
  const conns = state.p2p ? state.p2p.getConnections().filter((c) => state.nodeKey && net.isDirect(c) && c.remotePeer.toString() === state.nodePeer) : []
  if (conns.length === 0) throw Object.assign(new Error('not here yet: it comes from the node when the page is connected to it'), { transient: true })
  const stream = await conns[0].newStream('/kith/blob/1')
  return window.kith.fetchBlob(id, net.byteStream(stream))
}

// load returns an object URL of blob id's bytes: the kept copy if there
// is one (checked against its id again), else the node's, checked by the
// WebAssembly build and kept before it is shown.
async function load (state, id) {
  const kept = await get(state.db, id)
  let bytes = kept && kept.bytes
  if (bytes && window.kith.blobID(bytes) !== id) {
    throw new Error('the copy kept in this browser is damaged (its bytes are not this picture); clear the site\'s data and sync again')
  }
  if (!bytes) {
    try {
      bytes = await fetchFromNode(state, id)
    } catch (err) {
      throw Object.assign(new Error(refusal(err)), { transient: err.transient })
    }
    try {
      await put(state.db, id, bytes)
    } catch (err) {
      if (err && err.name === 'QuotaExceededError') throw new Error('the browser\'s storage for this page is full; the picture was not kept. Free some space and reload.')
      throw new Error('it could not be kept in this browser\'s storage: ' + (err && err.message))
    }
  }
  return URL.createObjectURL(new Blob([bytes]))
}

// refusal says in words why the node's answer was not taken.
function refusal (err) {
  const m = String(err && err.message)
  if (m.includes('blob hash mismatch')) return 'refused: the bytes the node sent are not this picture (they do not match its id), so they were not kept'
  if (m.includes('larger than the size limit')) return 'refused: the node announced it larger than the 64 MiB a picture may be here, so it was not downloaded'
  if (m.includes('location metadata')) return 'refused: it carries location metadata, so it was not kept'
  if (m.includes('does not have the blob')) return 'not here yet: the node does not have it'
  if (m.startsWith('not here yet')) return m
  return 'not fetched from the node: ' + m
}

// url returns the object URL of blob id, or throws why it has none; a
// failure of the node's is remembered and the picture asked again after
// RETRY_AFTER (one while not connected is not: it is asked on the next
// render).
async function url (state, id) {
  if (urls.has(id)) return urls.get(id)
  const f = failed.get(id)
  if (f && performance.now() - f.at < RETRY_AFTER) throw new Error(f.msg)
  if (!busy.has(id)) {
    busy.set(id, load(state, id).then((u) => {
      urls.set(id, u)
      failed.delete(id)
      return u
    }, (err) => {
      if (!err.transient) failed.set(id, { msg: err.message, at: performance.now() })
      throw err
    }).finally(() => busy.delete(id)))
  }
  return busy.get(id)
}

// images returns the element showing a post's pictures, each filled in as
// soon as its bytes are here, or with the reason it is not shown.
export function images (state, ids) {
  const div = document.createElement('section')
  div.className = 'images'
  for (const id of ids) {
    const fig = document.createElement('figure')
    const img = document.createElement('img')
    img.dataset.testid = 'peer-post-image'
    img.dataset.blob = id
    img.alt = 'a picture of this post'
    const why = document.createElement('figcaption')
    why.dataset.testid = 'peer-post-image-problem'
    why.hidden = true
    if (urls.has(id)) {
      img.src = urls.get(id)
    } else {
      img.hidden = true
      url(state, id).then((u) => {
        img.src = u
        img.hidden = false
      }, (err) => {
        why.textContent = 'This picture is not shown: ' + err.message + '.'
        why.hidden = false
      })
    }
    fig.append(img, why)
    div.append(fig)
  }
  return div
}
