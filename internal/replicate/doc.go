// Package replicate is kith's sync protocol (doc/protocol/sync.md): two
// nodes reconcile the heads of the logs they offer each other with
// range-based set reconciliation, fetch what they want and lack in batches
// under credit-based flow control, verify every entry (batched) before the
// store ingests it, and then stay connected and push new entries live.
//
// The package knows nothing of the network: a session runs over any ordered,
// reliable, bidirectional byte stream whose remote end is authenticated as a
// device key (Stream). An Engine runs the sessions of one node against its
// store.Store and its Scope, at most one per peer.
//
// Layout: messages.go, encode.go, decode.go, decodeerror.go and framing.go
// are the wire format (internal/cborwire reads and writes its CBOR items);
// itemset.go, fingerprint.go and reconcile.go the pure set reconciliation; engine.go keeps the sessions of a node; session.go runs
// one (handshake, reconciliation, wants), reader.go reads its stream and
// writer.go writes it, sender.go and sendloop.go serve the peer's WANTs,
// receiver.go and pipeline.go take entries in (verify in batches, check,
// ingest), close.go ends a session; limits.go, budget.go (what sessions
// keep of what peers teach them, per session and per node) and flood.go
// are local policy.
package replicate
