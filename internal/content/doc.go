// Package content is kith's payload layer: the typed payloads carried by
// entries (profile, post, follow, block, delete, device.add, device.revoke,
// device.custody),
// their canonical CBOR encoding, the limits on every field, and the rules
// that tie a payload to the header of the entry that carries it. The
// normative format is doc/protocol/payloads.md.
//
// A payload is a CBOR map with text keys and a text "type", encoded with
// RFC 8949 core deterministic encoding. Decode accepts exactly the bytes
// Encode would produce for the same data model and nothing else: it rejects
// malformed, non-canonical or over-limit input with an error that names the
// type and the field, and it never panics. A payload whose type this version
// does not know decodes to *Unknown: it is stored and replicated, not
// rejected. Bytes that are not a CBOR map with a text "type" (ciphertext in
// an encrypted context, for example) are reported by PeekType as
// ErrNotCBORMap so that callers can keep them as opaque payloads.
//
// A known type may carry extra keys written by a newer version. The typed
// decoder ignores them; the payload bytes, which are what is signed, hashed,
// stored and replicated, keep them, so nothing is lost. Never re-encode a
// decoded payload to pass it on: pass on the original bytes.
//
// Names (a profile's, a device's) may not hold control, bidi or other
// invisible formatting characters, odd spaces or fillers (CheckName), so
// that one name cannot pass for another; NameKey tells clients when two
// names look alike anyway.
//
// The checks are in three layers:
//
//   - Decode and Encode: the payload on its own (encoding, field types,
//     limits);
//   - Validate: the payload against the header of its entry (which log it
//     may sit in, at which seq, who must author it, the device
//     certificate's counter-signature);
//   - CheckDelete: the rules that need a second entry, which only a store
//     holding both can apply.
//
// It is a pure domain package: no I/O, no clocks, no randomness.
package content
