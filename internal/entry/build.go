package entry

import (
	"crypto/sha256"
	"fmt"

	"github.com/kithnet/kith/internal/identity"
)

// Draft is what an author decides about a new entry; Sign fills in the rest.
type Draft struct {
	LogID     LogID
	Seq       uint64
	Backlink  ID // id of entry Seq-1; ignored at Seq 1
	Timestamp uint64
	Flags     Flags
	Payload   []byte
}

// Sign builds, signs and encodes a new entry authored by key.
func Sign(key identity.PrivateKey, d Draft) (*Entry, error) {
	e, err := build(key.Public(), func(msg []byte) ([]byte, error) { s := key.Sign(msg); return s[:], nil }, d)
	if err != nil {
		return nil, err
	}
	e.markVerified()
	return e, nil
}

// SignWith is Sign for a key held elsewhere (a browser's non-extractable
// WebCrypto key): sign is given the signing input (entry.md) and returns
// the 64-byte Ed25519 signature by author's key. The signature is verified
// before the entry is returned, so a signer with another key, or one that
// returns garbage, gives an error and no entry.
func SignWith(author identity.PublicKey, sign func(signingInput []byte) ([]byte, error), d Draft) (*Entry, error) {
	e, err := build(author, sign, d)
	if err != nil {
		return nil, err
	}
	if !e.Verify() {
		return nil, fmt.Errorf("entry: the signer's signature does not verify under the author key %x", author[:])
	}
	return e, nil
}

func build(author identity.PublicKey, sign func(signingInput []byte) ([]byte, error), d Draft) (*Entry, error) {
	if d.Seq == 0 || d.Seq > MaxSeq {
		return nil, fmt.Errorf("entry: seq %d out of range 1..%d", d.Seq, uint64(MaxSeq))
	}
	if d.Seq > 1 && d.Backlink.IsZero() {
		return nil, fmt.Errorf("entry: seq %d needs a backlink", d.Seq)
	}
	if len(d.Payload) > MaxPayloadSize {
		return nil, fmt.Errorf("entry: payload of %d bytes exceeds the limit of %d bytes; store it as a blob", len(d.Payload), MaxPayloadSize)
	}
	if d.Timestamp > MaxTimestamp {
		return nil, fmt.Errorf("entry: timestamp %d out of range", d.Timestamp)
	}
	if d.Flags&^knownFlags != 0 {
		return nil, fmt.Errorf("entry: unknown flag bits 0x%x", uint64(d.Flags&^knownFlags))
	}
	h := Header{
		Version:     Version,
		Author:      author,
		LogID:       d.LogID,
		Seq:         d.Seq,
		Timestamp:   d.Timestamp,
		PayloadSize: uint64(len(d.Payload)),
		PayloadHash: HashPayload(d.Payload),
		Flags:       d.Flags,
	}
	if d.Seq > 1 {
		h.Backlink = d.Backlink
	}
	sig, err := sign(h.SigningInput())
	if err != nil {
		return nil, fmt.Errorf("entry: signing: %w", err)
	}
	if len(sig) != len(h.Signature) {
		return nil, fmt.Errorf("entry: the signer returned %d bytes, not a %d-byte Ed25519 signature", len(sig), len(h.Signature))
	}
	copy(h.Signature[:], sig)
	raw := h.AppendSigned(make([]byte, 0, MaxHeaderSize))
	e := &Entry{Header: h, Raw: raw, ID: sha256.Sum256(raw), Payload: d.Payload}
	return e, nil
}

// Parse decodes an encoded signed header and attaches payload, which may be
// nil (withheld or deleted). A non-nil payload must match the header's size
// and hash. Parse does not check the signature: see Verify and VerifyBatch.
func Parse(raw, payload []byte) (*Entry, error) {
	h, err := DecodeHeader(raw)
	if err != nil {
		return nil, err
	}
	e := &Entry{Header: h, Raw: raw, ID: sha256.Sum256(raw)}
	if payload != nil {
		if err := e.AttachPayload(payload); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// AttachPayload sets the payload after checking it against the header.
func (e *Entry) AttachPayload(p []byte) error {
	if err := CheckPayload(&e.Header, p); err != nil {
		return err
	}
	e.Payload = p
	return nil
}

// CheckPayload reports whether p is the payload the header commits to.
func CheckPayload(h *Header, p []byte) error {
	if uint64(len(p)) != h.PayloadSize {
		return fmt.Errorf("entry payload: %d bytes, header says %d", len(p), h.PayloadSize)
	}
	if HashPayload(p) != h.PayloadHash {
		return fmt.Errorf("entry payload: SHA-256 does not match the header's payload_hash")
	}
	return nil
}

// ChainError says why an entry cannot follow another in a log.
type ChainError struct{ Msg string }

func (e *ChainError) Error() string { return "entry chain: " + e.Msg }

// CheckNext reports whether next may directly follow prev (whose id is
// prevID) in the same log. For seq 1 pass prev == nil.
func CheckNext(prev *Header, prevID ID, next *Header) error {
	if prev == nil {
		if next.Seq != 1 {
			return &ChainError{fmt.Sprintf("log is empty, so the next entry has seq 1, got %d", next.Seq)}
		}
		return nil
	}
	if prev.Author != next.Author || prev.LogID != next.LogID {
		return &ChainError{"entries belong to different logs"}
	}
	if prev.Flags&FlagEndOfLog != 0 {
		return &ChainError{fmt.Sprintf("log ended at seq %d", prev.Seq)}
	}
	if next.Seq != prev.Seq+1 {
		return &ChainError{fmt.Sprintf("want seq %d, got %d", prev.Seq+1, next.Seq)}
	}
	if next.Backlink != prevID {
		return &ChainError{fmt.Sprintf("backlink of seq %d does not name entry %d", next.Seq, prev.Seq)}
	}
	return nil
}
