package space

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

// The content payload types (spaces.md §4): the bodies of sealed payloads.
const (
	TypePost  = "space.post"
	TypeEpoch = "space.epoch"
)

// MaxPostText bounds a post's text in bytes (spaces.md §4).
const MaxPostText = 16000

// MaxBodySize is the largest body a sealed payload holds (keyring.md §4).
const MaxBodySize = 16301

// Post is a message in a space: the body of a sealed content entry.
type Post struct {
	Text  string
	Refs  []entry.ID // heads of the membership logs the author had seen
	Reply entry.ID   // the entry it answers, zero if none
}

// EpochView is the body of the sealed entry that follows an epoch's
// announcement: the membership heads its creator had seen (spaces.md §3).
type EpochView struct {
	Refs []entry.ID
}

// Content is a decoded content body: *Post or *EpochView.
type Content interface{ contentType() string }

func (*Post) contentType() string      { return TypePost }
func (*EpochView) contentType() string { return TypeEpoch }

func contentRefs(c Content) []entry.ID {
	switch c := c.(type) {
	case *Post:
		return c.Refs
	case *EpochView:
		return c.Refs
	}
	return nil
}

func checkContent(c Content) error {
	t := c.contentType()
	if err := checkRefList(t, contentRefs(c)); err != nil {
		return err
	}
	if p, ok := c.(*Post); ok {
		if len(p.Text) == 0 || len(p.Text) > MaxPostText {
			return fieldErr(t, "text", "%d bytes, want 1 to %d", len(p.Text), MaxPostText)
		}
		if !utf8.ValidString(p.Text) {
			return fieldErr(t, "text", "not valid UTF-8")
		}
	}
	return nil
}

// checkRefList is checkRefs for a list and a type name.
func checkRefList(t string, rs []entry.ID) error {
	if rs != nil && len(rs) == 0 {
		return fieldErr(t, "refs", "an empty list of references is written by leaving the key out")
	}
	if len(rs) > MaxRefs {
		return fieldErr(t, "refs", "%d references, want at most %d", len(rs), MaxRefs)
	}
	for i, r := range rs {
		if r.IsZero() {
			return fieldErr(t, fmt.Sprintf("refs[%d]", i), "an all-zero id is never valid")
		}
		if i > 0 && bytes.Compare(rs[i-1][:], r[:]) >= 0 {
			return fieldErr(t, "refs", "refs[%d] is not after refs[%d]: sorted ascending without repeats", i, i-1)
		}
	}
	return nil
}

// EncodeContent checks c against spaces.md §4 and writes its canonical
// encoding.
func EncodeContent(c Content) ([]byte, error) {
	if c == nil {
		return nil, &Error{Type: "payload", Msg: "nil content"}
	}
	if err := checkContent(c); err != nil {
		return nil, err
	}
	fs := []field{{"type", cborwire.AppendText(nil, c.contentType())}}
	if p, ok := c.(*Post); ok {
		fs = append(fs, field{"text", cborwire.AppendText(nil, p.Text)})
		if !p.Reply.IsZero() {
			fs = append(fs, field{"reply", cborwire.AppendBytes(nil, p.Reply[:])})
		}
	}
	if rs := contentRefs(c); len(rs) > 0 {
		arr := cborwire.AppendArray(nil, len(rs))
		for _, r := range rs {
			arr = cborwire.AppendBytes(arr, r[:])
		}
		fs = append(fs, field{"refs", arr})
	}
	sortFields(fs)
	out := []byte{0xa0 | byte(len(fs))}
	for _, f := range fs {
		out = cborwire.AppendText(out, f.name)
		out = append(out, f.enc...)
	}
	if len(out) > MaxBodySize {
		return nil, &Error{Type: c.contentType(), Msg: fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(out), MaxBodySize)}
	}
	return out, nil
}

func sortFields(fs []field) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && keyLess(fs[j-1].name, fs[j].name) > 0; j-- {
			fs[j-1], fs[j] = fs[j], fs[j-1]
		}
	}
}

var contentKeys = map[string]map[string]bool{
	TypePost:  {"refs": false, "text": true, "reply": false},
	TypeEpoch: {"refs": false},
}

// DecodeContent strictly decodes a content body (spaces.md §4): a
// canonical CBOR map holding exactly the keys its type lists. It never
// panics.
func DecodeContent(body []byte) (Content, error) {
	m, err := openMap(body, MaxBodySize, contentKeys, "not a space content type (space.post or space.epoch)", nil, "content", "spaces.md")
	if err != nil {
		return nil, err
	}
	var p Post
	for range m.n {
		key, err := m.key()
		if err != nil {
			return nil, err
		}
		switch key {
		case "type":
			_, err = m.r.Text("type", 1, 64)
			err = m.wrap("type", err)
		case "text":
			p.Text, err = m.r.Text("text", 1, MaxPostText)
			err = m.wrap("text", err)
		case "reply":
			err = m.id("reply", (*[32]byte)(&p.Reply))
		case "refs":
			p.Refs, err = m.refs()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := m.end(); err != nil {
		return nil, err
	}
	typ := m.typ
	var c Content = &p
	if typ == TypeEpoch {
		c = &EpochView{Refs: p.Refs}
	}
	if err := checkContent(c); err != nil {
		return nil, err
	}
	return c, nil
}
