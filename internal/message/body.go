package message

import (
	"bytes"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Limits of a message body (messages.md §3).
const (
	MaxText         = 10000
	MaxSubject      = 200
	MaxParticipants = 256
	MaxRefs         = 64
)

// Message is a message's body (messages.md §3). Participants (and
// Subject) make it the start of its conversation; only the creator writes
// one.
type Message struct {
	Text         string
	ReplyTo      entry.ID   // zero: none
	Refs         []entry.ID // heads of the conversation's other logs seen; sorted, distinct
	Subject      string
	Participants []identity.PublicKey // sorted, distinct; start only
}

// IsStart reports whether m is a conversation's start message.
func (m *Message) IsStart() bool { return len(m.Participants) > 0 }

// The body's keys, in canonical order (by their encoded bytes).
var bodyKeys = []string{"refs", "text", "reply", "subject", "participants"}

// EncodeBody returns m's canonical body, checking every rule of §3 but
// the one about the author (Seal checks that).
func EncodeBody(m *Message) ([]byte, error) {
	if err := checkBody(m); err != nil {
		return nil, err
	}
	n := 1
	for _, has := range []bool{len(m.Refs) > 0, m.ReplyTo != entry.ID{}, m.Subject != "", len(m.Participants) > 0} {
		if has {
			n++
		}
	}
	b := []byte{0xa0 | byte(n)}
	if len(m.Refs) > 0 {
		b = cborwire.AppendText(b, "refs")
		b = cborwire.AppendArray(b, len(m.Refs))
		for _, r := range m.Refs {
			b = cborwire.AppendBytes(b, r[:])
		}
	}
	b = cborwire.AppendText(b, "text")
	b = cborwire.AppendText(b, m.Text)
	if m.ReplyTo != (entry.ID{}) {
		b = cborwire.AppendText(b, "reply")
		b = cborwire.AppendBytes(b, m.ReplyTo[:])
	}
	if m.Subject != "" {
		b = cborwire.AppendText(b, "subject")
		b = cborwire.AppendText(b, m.Subject)
	}
	if len(m.Participants) > 0 {
		b = cborwire.AppendText(b, "participants")
		b = cborwire.AppendArray(b, len(m.Participants))
		for _, p := range m.Participants {
			b = cborwire.AppendBytes(b, p[:])
		}
	}
	return b, nil
}

// checkBody applies §3's rules that are not about the encoding.
func checkBody(m *Message) error {
	if len(m.Text) > MaxText {
		return fieldErr("text", "%d bytes, at most %d", len(m.Text), MaxText)
	}
	if !utf8.ValidString(m.Text) {
		return fieldErr("text", "not valid UTF-8")
	}
	if len(m.Subject) > MaxSubject || !utf8.ValidString(m.Subject) {
		return fieldErr("subject", "1 to %d bytes of UTF-8", MaxSubject)
	}
	if len(m.Refs) > MaxRefs {
		return fieldErr("refs", "%d entry ids, at most %d", len(m.Refs), MaxRefs)
	}
	for i, r := range m.Refs {
		if r == (entry.ID{}) {
			return fieldErr("refs", "refs[%d] is all zero", i)
		}
		if i > 0 && bytes.Compare(m.Refs[i-1][:], r[:]) >= 0 {
			return fieldErr("refs", "not strictly increasing at refs[%d]", i)
		}
	}
	if len(m.Participants) > MaxParticipants {
		return fieldErr("participants", "%d accounts, at most %d", len(m.Participants), MaxParticipants)
	}
	for i, p := range m.Participants {
		if p == (identity.PublicKey{}) {
			return fieldErr("participants", "participants[%d] is all zero", i)
		}
		if i > 0 && bytes.Compare(m.Participants[i-1][:], p[:]) >= 0 {
			return fieldErr("participants", "not strictly increasing at participants[%d]", i)
		}
	}
	if m.IsStart() && (m.ReplyTo != entry.ID{} || len(m.Refs) > 0) {
		return fieldErr("participants", "the start message answers nothing (no reply, no refs)")
	}
	if !m.IsStart() && m.Subject != "" {
		return fieldErr("subject", "only the start message has a subject")
	}
	return nil
}

// DecodeBody strictly decodes a message body (messages.md §3): a
// canonical CBOR map with exactly the keys listed, each within its
// limits. Errors are *FieldError (wrapping ErrMalformed) naming the field
// and the byte offset within the body. It never panics.
func DecodeBody(body []byte) (*Message, error) {
	if len(body) == 0 {
		return nil, fieldErr("", "byte 0: the body is empty")
	}
	n := int(body[0] & 0x1f)
	if body[0]&0xe0 != 0xa0 || n < 1 || n > len(bodyKeys) {
		return nil, fieldErr("", "byte 0: want a map of 1 to %d pairs, got 0x%02x", len(bodyKeys), body[0])
	}
	r := cborwire.NewReader(body[1:], cborwire.PayloadWording)
	wrap := func(f string, err error) error {
		if err == nil {
			return nil
		}
		return fieldErr(f, "%s", err.Error())
	}
	readID := func(f string, dst []byte) error {
		at := r.Offset() + 1
		if err := r.Fixed(f, dst); err != nil {
			return wrap(f, err)
		}
		var zero [32]byte
		if bytes.Equal(dst, zero[:]) {
			return fieldErr(f, "byte %d: an all-zero id is never valid", at)
		}
		return nil
	}
	// readIDs reads a strictly increasing array of 1..max ids.
	readIDs := func(f string, max int, add func([]byte) []byte) error {
		m, err := r.Array(f, 1, max)
		if err != nil {
			return wrap(f, err)
		}
		var prev []byte
		for i := range m {
			at := r.Offset() + 1
			dst := add(nil)
			if err := readID(f, dst); err != nil {
				return err
			}
			if prev != nil && bytes.Compare(prev, dst) >= 0 {
				return fieldErr(f, "byte %d: %s[%d] is not greater than the one before", at, f, i)
			}
			prev = dst
		}
		return nil
	}
	m := &Message{}
	last, hasText := -1, false
	for range n {
		at := r.Offset() + 1
		key, err := r.Text("key", 1, 16)
		if err != nil {
			return nil, fieldErr("", "map key: %s", err.Error())
		}
		k := -1
		for i, name := range bodyKeys {
			if name == key {
				k = i
			}
		}
		if k < 0 {
			return nil, fieldErr(key, "byte %d: unknown key (a message body carries exactly the keys messages.md lists)", at)
		}
		if k <= last {
			return nil, fieldErr(key, "byte %d: key out of canonical order or repeated", at)
		}
		last = k
		switch key {
		case "refs":
			err = readIDs("refs", MaxRefs, func([]byte) []byte {
				m.Refs = append(m.Refs, entry.ID{})
				return m.Refs[len(m.Refs)-1][:]
			})
		case "text":
			hasText = true
			m.Text, err = r.Text("text", 0, MaxText)
			err = wrap("text", err)
		case "reply":
			err = readID("reply", m.ReplyTo[:])
		case "subject":
			m.Subject, err = r.Text("subject", 1, MaxSubject)
			err = wrap("subject", err)
		case "participants":
			err = readIDs("participants", MaxParticipants, func([]byte) []byte {
				m.Participants = append(m.Participants, identity.PublicKey{})
				return m.Participants[len(m.Participants)-1][:]
			})
		}
		if err != nil {
			return nil, err
		}
	}
	if err := r.End(); err != nil {
		return nil, fieldErr("", "%s", err.Error())
	}
	if !hasText {
		return nil, fieldErr("text", "required key missing")
	}
	if err := checkBody(m); err != nil {
		return nil, err
	}
	return m, nil
}
