package space

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func cid(b byte) entry.ID {
	var id entry.ID
	for i := range id {
		id[i] = b
	}
	return id
}

type contentCase struct {
	name string
	c    Content
}

func validContents() []contentCase {
	return []contentCase{
		{"post", &Post{Text: "hi"}},
		{"post with refs and reply", &Post{Text: "Bread on Saturday?", Refs: []entry.ID{cid(0x11), cid(0x22)}, Reply: cid(0x33)}},
		{"post of the largest text", &Post{Text: strings.Repeat("x", MaxPostText)}},
		{"epoch view", &EpochView{Refs: []entry.ID{cid(0x44)}}},
		{"epoch view without refs", &EpochView{}},
	}
}

type contentReject struct {
	name string
	raw  []byte
	want string
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func contentRejects() []contentReject {
	return []contentReject{
		{"membership type", MustEncode(&Leave{Space: cid(1)}), `space: space.leave: not a space content type (space.post or space.epoch)`},
		{"no text", h("a1 64 74797065 6a 73706163652e706f7374"), `space: space.post: field "text": required key missing`},
		{"unknown key", h("a2 63 666f6f 01 64 74797065 6b 73706163652e65706f6368"), `space: space.epoch: field "foo": byte 1: unknown key (content payloads carry exactly the keys spaces.md lists)`},
		{"keys out of order", h("a2 64 74797065 6a 73706163652e706f7374 64 74657874 62 6869"), `space: space.post: field "text": byte 17: key out of canonical order or repeated`},
		{"zero reply", append(h("a3 64 74657874 62 6869 64 74797065 6a 73706163652e706f7374 65 7265706c79 5820"), make([]byte, 32)...), `space: space.post: field "reply": byte 31: an all-zero id is never valid`},
		{"refs not sorted", append(append(h("a2 64 72656673 82 5820"), bytes.Repeat([]byte{2}, 32)...), append(h("5820"), append(bytes.Repeat([]byte{1}, 32), h("64 74797065 6b 73706163652e65706f6368")...)...)...), `space: space.epoch: field "refs": refs[1] is not after refs[0]: sorted ascending without repeats`},
		{"empty refs", h("a2 64 72656673 80 64 74797065 6b 73706163652e65706f6368"), `space: space.epoch: field "refs": byte 6: 0 elements, want 1..64`},
		{"trailing bytes", h("a1 64 74797065 6b 73706163652e65706f6368 00"), `space: space.epoch: byte 18: 1 trailing bytes after the payload map`},
	}
}

func TestContentRoundTrip(t *testing.T) {
	for _, c := range validContents() {
		t.Run(c.name, func(t *testing.T) {
			b, err := EncodeContent(c.c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeContent(b)
			if err != nil {
				t.Fatal(err)
			}
			b2, err := EncodeContent(got)
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("re-encoding differs: %x vs %x (%v)", b, b2, err)
			}
		})
	}
}

func TestContentExampleBytes(t *testing.T) {
	// spaces.md §4's example.
	b, err := EncodeContent(&Post{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if want := h("a2 64 74657874 62 6869 64 74797065 6a 73706163652e706f7374"); !bytes.Equal(b, want) {
		t.Fatalf("got %x, want %x", b, want)
	}
}

func TestContentRejects(t *testing.T) {
	for _, c := range contentRejects() {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeContent(c.raw)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
	for _, c := range []Content{&Post{}, &Post{Text: strings.Repeat("x", MaxPostText+1)}, &Post{Text: "\xff"}, &EpochView{Refs: []entry.ID{}}} {
		if _, err := EncodeContent(c); err == nil {
			t.Errorf("EncodeContent(%+v) accepted", c)
		}
	}
}

const contentVectorPath = "testdata/content-vectors.json"

type contentVector struct {
	Name  string `json:"name"`
	Bytes string `json:"bytes"`
	Error string `json:"error,omitempty"`
}

func TestContentVectors(t *testing.T) {
	var vs []contentVector
	for _, c := range validContents() {
		if c.name == "post of the largest text" {
			continue
		}
		vs = append(vs, contentVector{Name: c.name, Bytes: hex.EncodeToString(mustContent(c.c))})
	}
	for _, c := range contentRejects() {
		vs = append(vs, contentVector{Name: c.name, Bytes: hex.EncodeToString(c.raw), Error: c.want})
	}
	got, err := json.MarshalIndent(vs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(contentVectorPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.Clean(contentVectorPath))
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from this implementation (run with -update only if spaces.md changed)", contentVectorPath)
	}
	// Every vector decodes to its stated outcome.
	for _, v := range vs {
		b, _ := hex.DecodeString(v.Bytes)
		_, err := DecodeContent(b)
		if (v.Error == "") != (err == nil) || (err != nil && err.Error() != v.Error) {
			t.Errorf("%s: got %v, want %q", v.Name, err, v.Error)
		}
	}
}

func mustContent(c Content) []byte {
	b, err := EncodeContent(c)
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzDecodeContent(f *testing.F) {
	for _, c := range validContents() {
		f.Add(mustContent(c.c))
	}
	for _, c := range contentRejects() {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeContent(b)
		if err != nil {
			return
		}
		again, err := EncodeContent(c)
		if err != nil {
			t.Fatalf("decoded %x but cannot encode it: %v", b, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("decoded %x re-encodes to %x: not canonical", b, again)
		}
	})
}
