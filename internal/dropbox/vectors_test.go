package dropbox

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorPath = "testdata/vectors.json"

// vectorFile is testdata/vectors.json (services.md §8, payloads.md §10).
type vectorFile struct {
	Comment   string          `json:"comment"`
	Hubs      []hubsVector    `json:"hubs"`
	Requests  []bodyVector    `json:"requests"`
	Responses []bodyVector    `json:"responses"`
	Invalid   []invalidVector `json:"invalid"`
}

type hubsVector struct {
	Name string    `json:"name"`
	Hubs []jsonHub `json:"hubs"`
	Hex  string    `json:"hex"`
}

type jsonHub struct {
	Device  string   `json:"device"`
	Addrs   []string `json:"addrs"`
	Dropbox bool     `json:"dropbox"`
}

func jsonHubs(hs []Hub) []jsonHub {
	out := []jsonHub{}
	for _, h := range hs {
		a := h.Addrs
		if a == nil {
			a = []string{}
		}
		out = append(out, jsonHub{hex.EncodeToString(h.Device[:]), a, h.Dropbox})
	}
	return out
}

type bodyVector struct {
	Name string `json:"name"`
	Hex  string `json:"hex"`
}

type invalidVector struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // hubs, request, response
	Hex   string `json:"hex"`
	Error string `json:"error"`
}

func fill(b byte) (k [32]byte) {
	for i := range k {
		k[i] = b
	}
	return k
}

var hubsCases = []struct {
	name string
	hubs []Hub
}{
	{"no hubs", []Hub{}},
	{"one dropbox", []Hub{{Device: fill(0x11), Addrs: []string{"/ip4/192.0.2.1/tcp/7696"}, Dropbox: true}}},
	{"two hubs, one a dropbox", []Hub{
		{Device: fill(0x11), Addrs: []string{"/ip4/192.0.2.1/tcp/7696", "/ip6/2001:db8::1/udp/7696/quic-v1"}},
		{Device: fill(0x22), Addrs: []string{}, Dropbox: true},
	}},
}

var requestCases = []struct {
	name string
	q    Request
}{
	{"deposit", Request{Recipient: fill(0xaa), Letter: []byte{0x01, 0x02}}},
	{"collect, nothing yet", Request{Collect: true, Follows: [][32]byte{}, Done: [][32]byte{}}},
	{"collect, two follows, one kept", Request{Collect: true, Follows: [][32]byte{fill(0x01), fill(0x02)}, Done: [][32]byte{fill(0xdd)}}},
}

var responseCases = []struct {
	name string
	p    Response
}{
	{"deposit taken", Response{}},
	{"two letters", Response{Letters: [][]byte{{0x01}, {0x02, 0x03}}}},
	{"refused", Response{Code: RefuseLimit, Reason: "full"}},
}

var invalidCases = []struct{ name, kind, hex string }{
	{"hubs: unknown key", "hubs", "a3" + "6468756273" + "80" + "6161" + "01" + "6474797065" + "6468756273"},
	{"hubs: hubs out of order", "hubs", "a2" + "6468756273" + "82" + "835820" + rep("22", 32) + "80f4" + "835820" + rep("11", 32) + "80f4" + "6474797065" + "6468756273"},
	{"hubs: dropbox not a bool", "hubs", "a2" + "6468756273" + "81" + "835820" + rep("11", 32) + "8001" + "6474797065" + "6468756273"},
	{"hubs: empty address", "hubs", "a2" + "6468756273" + "81" + "835820" + rep("11", 32) + "8160f5" + "6474797065" + "6468756273"},
	{"hubs: nine hubs", "hubs", "a2" + "6468756273" + "89"},
	{"request: unknown kind", "request", "840102" + "5820" + rep("aa", 32) + "4101"},
	{"request: follows repeated", "request", "840101" + "82" + "5820" + rep("01", 32) + "5820" + rep("01", 32) + "80"},
	{"request: empty letter", "request", "840100" + "5820" + rep("aa", 32) + "40"},
	{"request: trailing byte", "request", "840101808000"},
	{"request: version 2", "request", "840201808000"},
	{"response: a letter twice", "response", "830100" + "82" + "4101" + "4101"},
	{"response: 17 letters", "response", "830100" + "91"},
	{"response: reason not text", "response", "830102" + "4100"},
}

func rep(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func decodeKind(kind string, b []byte) error {
	var err error
	switch kind {
	case "hubs":
		_, err = DecodeHubs(b)
	case "request":
		_, err = DecodeRequest(b)
	case "response":
		_, err = DecodeResponse(b)
	}
	return err
}

func buildVectors(t *testing.T) vectorFile {
	f := vectorFile{Comment: "doc/protocol/services.md §8 (dropbox requests and responses) and doc/protocol/payloads.md §10 (hubs): valid bodies with their encoding, invalid ones with this implementation's error. Regenerate with go test ./internal/dropbox -run TestVectors -update."}
	for _, c := range hubsCases {
		b, err := EncodeHubs(c.hubs)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f.Hubs = append(f.Hubs, hubsVector{c.name, jsonHubs(c.hubs), hex.EncodeToString(b)})
	}
	for _, c := range requestCases {
		b, err := c.q.Encode()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f.Requests = append(f.Requests, bodyVector{c.name, hex.EncodeToString(b)})
	}
	for _, c := range responseCases {
		b, err := c.p.Encode()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f.Responses = append(f.Responses, bodyVector{c.name, hex.EncodeToString(b)})
	}
	for _, c := range invalidCases {
		b, _ := hex.DecodeString(c.hex)
		err := decodeKind(c.kind, b)
		if err == nil {
			t.Fatalf("%s: decoded", c.name)
		}
		f.Invalid = append(f.Invalid, invalidVector{c.name, c.kind, c.hex, err.Error()})
	}
	return f
}

// TestVectors checks testdata/vectors.json: every valid body decodes to
// its value and encodes back byte for byte; every invalid one is refused
// with its error.
func TestVectors(t *testing.T) {
	want := buildVectors(t)
	if *update {
		b, _ := json.MarshalIndent(want, "", "  ")
		if err := os.WriteFile(vectorPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatal(err)
	}
	var got vectorFile
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("testdata/vectors.json differs from what the code makes; run with -update if the format changed on purpose")
	}
	for _, v := range got.Hubs {
		b, _ := hex.DecodeString(v.Hex)
		hubs, err := DecodeHubs(b)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if !reflect.DeepEqual(jsonHubs(hubs), v.Hubs) || !IsHubs(b) {
			t.Fatalf("%s: decoded %+v, want %+v", v.Name, hubs, v.Hubs)
		}
	}
	for i, v := range got.Requests {
		b, _ := hex.DecodeString(v.Hex)
		q, err := DecodeRequest(b)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		again, _ := q.Encode()
		if hex.EncodeToString(again) != v.Hex || q.Collect != requestCases[i].q.Collect {
			t.Fatalf("%s: re-encoded %x", v.Name, again)
		}
	}
	for _, v := range got.Responses {
		b, _ := hex.DecodeString(v.Hex)
		p, err := DecodeResponse(b)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if again, _ := p.Encode(); hex.EncodeToString(again) != v.Hex {
			t.Fatalf("%s: re-encoded %x", v.Name, again)
		}
	}
}

// The example of payloads.md §10 is the vectors' "one dropbox".
func TestHubsDocExample(t *testing.T) {
	b, _ := EncodeHubs(hubsCases[1].hubs)
	want := "a2646875627381835820" + rep("11", 32) + "8177" + hex.EncodeToString([]byte("/ip4/192.0.2.1/tcp/7696")) + "f5647479706564687562" + "73"
	if hex.EncodeToString(b) != want {
		t.Fatalf("got %x\nwant %s", b, want)
	}
}
