// Package blobsync moves blobs between peers with the blob protocol of
// doc/protocol/blobsync.md: a requester asks a peer which blobs it has
// (QUERY, HAVE) and fetches them (GET, then BLOB and DATA), each verified by
// size and hash, within the local size limit, and run through the node's
// checks before it becomes visible in the blob store.
//
// A Service does both sides over abstract streams (it knows nothing of
// libp2p): Serve answers an inbound stream from the local blob store; Want
// queues blobs that Run fetches in the background from whichever connected
// peer has them, retrying with back-off; Fetch gets one blob now. Peers that
// break the protocol or send bytes that are not the announced blob are
// reported through Config.OnMisbehaviour and left alone for a while; a blob
// that a check refuses is refused for good.
package blobsync
