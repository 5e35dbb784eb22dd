package space

import (
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// mapReader reads one typed payload map of this package (membership
// payloads and content bodies): the closed key set of its type, keys in
// canonical order, each value with errors that name the type, the field
// and the byte.
type mapReader struct {
	r       *cborwire.Reader
	typ     string
	allowed map[string]bool // key -> required
	n       int             // pairs
	got     map[string]bool
	prev    string
	what    string // "membership" or "content": for the unknown-key message
	doc     string // the document that lists the keys
}

// openMap checks the size, peeks the type, looks its keys up in types and
// checks the map head. notType is the message for a type of another
// family; sentinel is wrapped by the errors of the first two checks.
func openMap(b []byte, limit int, types map[string]map[string]bool, notType string, sentinel error, what, doc string) (*mapReader, error) {
	if len(b) > limit {
		return nil, &Error{Type: "payload", Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(b), limit)}
	}
	typ, err := content.PeekType(b)
	if err != nil {
		return nil, &Error{Type: "payload", Msg: strings.TrimPrefix(err.Error(), "payload: "), Err: sentinel}
	}
	allowed := types[typ]
	if allowed == nil {
		return nil, &Error{Type: typ, Msg: notType, Err: sentinel}
	}
	n := int(b[0] & 0x1f)
	if b[0]&0xe0 != 0xa0 || n > maxPayloadPairs {
		return nil, &Error{Type: typ, Msg: fmt.Sprintf("byte 0: want a map of at most %d pairs with its count in the initial byte, got 0x%02x", maxPayloadPairs, b[0])}
	}
	return &mapReader{r: cborwire.NewReader(b[1:], cborwire.PayloadWording), typ: typ, allowed: allowed, n: n, got: map[string]bool{}, what: what, doc: doc}, nil
}

// key reads the next key, checking its order and that the type carries it.
func (m *mapReader) key() (string, error) {
	at := m.r.Offset() + 1
	key, err := m.r.Text("key", 1, 64)
	if err != nil {
		return "", fieldErr(m.typ, "", "map key: %s", err.Error())
	}
	if m.prev != "" && keyLess(m.prev, key) >= 0 {
		return "", fieldErr(m.typ, key, "byte %d: key out of canonical order or repeated", at)
	}
	m.prev = key
	if _, ok := m.allowed[key]; !ok && key != "type" {
		return "", fieldErr(m.typ, key, "byte %d: unknown key (%s payloads carry exactly the keys %s lists)", at, m.what, m.doc)
	}
	m.got[key] = true
	return key, nil
}

// wrap makes a reader error an error of field f.
func (m *mapReader) wrap(f string, err error) error {
	if err == nil {
		return nil
	}
	return fieldErr(m.typ, f, "%s", err.Error())
}

// id reads a 32-byte id that is not all zero.
func (m *mapReader) id(f string, dst *[32]byte) error {
	at := m.r.Offset() + 1
	if err := m.r.Fixed(f, dst[:]); err != nil {
		return m.wrap(f, err)
	}
	if *dst == [32]byte{} {
		return fieldErr(m.typ, f, "byte %d: an all-zero id is never valid", at)
	}
	return nil
}

// refs reads an array of 1..MaxRefs ids.
func (m *mapReader) refs() ([]entry.ID, error) {
	k, err := m.r.Array("refs", 1, MaxRefs)
	if err != nil {
		return nil, m.wrap("refs", err)
	}
	out := make([]entry.ID, 0, k)
	for i := range k {
		var id entry.ID
		if err := m.id(fmt.Sprintf("refs[%d]", i), (*[32]byte)(&id)); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// end checks that nothing follows the map and every required key came.
func (m *mapReader) end() error {
	if err := m.r.End(); err != nil {
		return fieldErr(m.typ, "", "%s", err.Error())
	}
	for k, req := range m.allowed {
		if req && !m.got[k] {
			return fieldErr(m.typ, k, "required key missing")
		}
	}
	return nil
}
