package replicate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const vectorFile = "testdata/sync-vectors.json"

type messageVector struct {
	Name     string `json:"name"`
	FrameHex string `json:"frame_hex"`
}

type itemVector struct {
	AuthorHex   string `json:"author_hex"`
	LogIDHex    string `json:"log_id_hex"`
	Seq         uint64 `json:"seq"`
	HeadHex     string `json:"head_hex"`
	ItemHashHex string `json:"item_hash_hex"`
}

type fingerprintVector struct {
	Description string `json:"description"`
	Items       []int  `json:"items"` // indices into items
	SumHex      string `json:"sum_hex"`
	Fingerprint string `json:"fingerprint_hex"`
}

type invalidVector struct {
	Name     string `json:"name"`
	FrameHex string `json:"frame_hex"`
	Code     Code   `json:"code"`
}

type vectors struct {
	Comment      string              `json:"comment"`
	Messages     []messageVector     `json:"messages"`
	Items        []itemVector        `json:"items"`
	Fingerprints []fingerprintVector `json:"fingerprints"`
	Invalid      []invalidVector     `json:"invalid"`
}

func vectorKey(t testing.TB, n byte) identity.PrivateKey {
	seed := sha256.Sum256([]byte{'k', 'i', 't', 'h', '-', 's', 'y', 'n', 'c', '-', 'v', 'e', 'c', 't', 'o', 'r', n})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// buildVectors makes the golden vectors from fixed keys and inputs.
func buildVectors(t testing.TB) vectors {
	k1, k2 := vectorKey(t, 1), vectorKey(t, 2)
	e1, err := entry.Sign(k1, entry.Draft{Seq: 1, Timestamp: 1_700_000_000_000, Payload: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := entry.Sign(k1, entry.Draft{Seq: 2, Backlink: e1.ID, Timestamp: 1_700_000_000_001, Payload: []byte("again")})
	if err != nil {
		t.Fatal(err)
	}
	e2h, err := entry.Parse(e2.Raw, nil) // withheld payload
	if err != nil {
		t.Fatal(err)
	}
	items := []Item{
		{Log: store.LogKey{Author: k1.Public()}, Seq: 2, Head: e2.ID},
		{Log: store.LogKey{Author: k1.Public(), LogID: entry.LogID{1}}, Seq: 7, Head: sha256.Sum256([]byte("head 7"))},
		{Log: store.LogKey{Author: k2.Public()}, Seq: 300, Head: sha256.Sum256([]byte("head 300"))},
	}
	sortItems(items)
	k := keyOf(items[2].Log)
	msgs := []struct {
		name string
		m    Message
	}{
		{"HELLO", &Hello{Version: 1, Features: []string{}}},
		{"CREDIT", &Credit{Entries: 65536, Bytes: 32 << 20}},
		{"RECONCILE-FINGERPRINT", &Reconcile{Ranges: []Range{{Mode: ModeFingerprint, Fingerprint: FingerprintOf(items)}}}},
		{"RECONCILE-EMPTY", &Reconcile{Ranges: []Range{}}},
		{"RECONCILE-LIST", &Reconcile{Ranges: []Range{{Mode: ModeList, Items: items[:1]}}}},
		{"RECONCILE-MIXED", &Reconcile{Ranges: []Range{
			{Upper: k[:1], Mode: ModeSkip},
			{Mode: ModeReply, Items: items[2:]},
		}}},
		{"WANT", &Want{Logs: []WantLog{{Log: items[0].Log, From: 1}}}},
		{"WANTS_DONE", &WantsDone{}},
		{"ENTRIES", &Entries{Entries: []*entry.Entry{e1, e2h}}},
		{"CAUGHT_UP", &CaughtUp{}},
		{"HAVE", &Have{Heads: items[1:2]}},
		{"UNWANT", &Unwant{Logs: []store.LogKey{items[1].Log}}},
		{"BYE", &Bye{Code: CodeUnsolicited, Text: "log not wanted"}},
	}
	v := vectors{Comment: "kith sync protocol v1 test vectors; see doc/protocol/sync.md. Keys: Ed25519 seeds SHA-256(\"kith-sync-vector\" || n) for n = 1, 2. frame_hex is a whole frame: 4-byte length, then the CBOR body. invalid: frames every implementation must refuse, with the BYE code."}
	for _, m := range msgs {
		v.Messages = append(v.Messages, messageVector{m.name, hex.EncodeToString(AppendFrame(nil, m.m))})
	}
	for _, it := range items {
		h := ItemHash(it)
		v.Items = append(v.Items, itemVector{hex.EncodeToString(it.Log.Author[:]), hex.EncodeToString(it.Log.LogID[:]), it.Seq, hex.EncodeToString(it.Head[:]), hex.EncodeToString(h[:])})
	}
	for _, fv := range []struct {
		desc string
		idx  []int
	}{{"no items", nil}, {"item 0", []int{0}}, {"items 0, 1 and 2", []int{0, 1, 2}}} {
		var sum sum256
		var sub []Item
		for _, i := range fv.idx {
			sum = sum.add(sumOf(ItemHash(items[i])))
			sub = append(sub, items[i])
		}
		sb, fp := sum.bytes(), FingerprintOf(sub)
		v.Fingerprints = append(v.Fingerprints, fingerprintVector{fv.desc, fv.idx, hex.EncodeToString(sb[:]), hex.EncodeToString(fp[:])})
	}
	for _, b := range badBodies(t) {
		frame := append([]byte{byte(len(b.body) >> 24), byte(len(b.body) >> 16), byte(len(b.body) >> 8), byte(len(b.body))}, b.body...)
		v.Invalid = append(v.Invalid, invalidVector{b.name, hex.EncodeToString(frame), b.code})
	}
	v.Invalid = append(v.Invalid, invalidVector{"length over the limit", "00200001", CodeLimit}, invalidVector{"length 0", "00000000", CodeMalformed})
	return v
}

// TestVectors: the golden file is what the code produces, and every vector
// decodes (or is refused) as it says.
func TestVectors(t *testing.T) {
	v := buildVectors(t)
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(vectorFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the code produces; if the format changed on purpose, update doc/protocol/sync.md and run with -update", vectorFile)
	}
	for _, m := range v.Messages {
		frame, _ := hex.DecodeString(m.FrameHex)
		if _, _, err := ReadMessage(bytes.NewReader(frame)); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
	}
	for _, iv := range v.Invalid {
		frame, _ := hex.DecodeString(iv.FrameHex)
		_, _, err := ReadMessage(bytes.NewReader(frame))
		pe, ok := err.(*ProtocolError)
		if !ok || pe.Code != iv.Code {
			t.Errorf("%s: %v, want code %d", iv.Name, err, iv.Code)
		}
	}
}

// TestDocVectors: the examples in doc/protocol/sync.md are the golden
// vectors, byte for byte.
func TestDocVectors(t *testing.T) {
	v := buildVectors(t)
	byName := map[string]string{}
	for _, m := range v.Messages {
		byName[m.Name] = m.FrameHex
	}
	for i, it := range v.Items {
		byName["ITEM-HASH-"+string(rune('0'+i))] = it.ItemHashHex
	}
	for i, f := range v.Fingerprints {
		byName["FINGERPRINT-"+string(rune('A'+i))] = f.Fingerprint
	}
	doc, err := os.Open("../../doc/protocol/sync.md")
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	sc := bufio.NewScanner(doc)
	inBlock, checked := false, 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "```vectors":
			inBlock = true
		case inBlock && line == "```":
			inBlock = false
		case inBlock:
			f := strings.Fields(line)
			if len(f) != 2 {
				t.Fatalf("sync.md: vector line %q is not NAME HEX", line)
			}
			want, ok := byName[f[0]]
			if !ok {
				t.Fatalf("sync.md: unknown vector %s", f[0])
			}
			if f[1] != want {
				t.Errorf("sync.md: %s is %s; the code produces %s", f[0], f[1], want)
			}
			checked++
		}
	}
	if checked != len(byName) {
		t.Fatalf("sync.md lists %d vectors, the code has %d", checked, len(byName))
	}
}
