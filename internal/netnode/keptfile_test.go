package netnode

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

func TestKeptPeersFileRoundTrip(t *testing.T) {
	a, b := testKey(t, 1).Public(), testKey(t, 2).Public()
	if a.Device().String() > b.Device().String() {
		a, b = b, a // a sorts first
	}
	recs := []keptRecord{
		{key: b, addrs: []string{"/ip4/127.0.0.1/tcp/4001"}, learned: []string{"/ip6/::1/udp/4001/quic-v1", "/ip4/127.0.0.1/tcp/4002/ws"}},
		{key: a},
	}
	data, err := encodeKeptPeers(recs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "format": "kith-kept-peers",
  "version": 1,
  "peers": [
    {
      "device": "` + a.Device().String() + `"
    },
    {
      "device": "` + b.Device().String() + `",
      "addrs": [
        "/ip4/127.0.0.1/tcp/4001"
      ],
      "learned": [
        "/ip6/::1/udp/4001/quic-v1",
        "/ip4/127.0.0.1/tcp/4002/ws"
      ]
    }
  ]
}
`
	if string(data) != want {
		t.Fatalf("encoded:\n%s\nwant:\n%s", data, want)
	}
	got, err := decodeKeptPeers(data)
	if err != nil {
		t.Fatal(err)
	}
	wantRecs := []keptRecord{{key: a}, recs[0]}
	if !reflect.DeepEqual(got, wantRecs) {
		t.Fatalf("decoded %+v, want %+v", got, wantRecs)
	}

	path := filepath.Join(t.TempDir(), keptPeersFile)
	if recs, err := readKeptPeers(path); err != nil || recs != nil {
		t.Fatalf("reading a missing file: %v, %v; want no peers and no error", recs, err)
	}
	if err := writeKeptPeers(path, recs); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("file mode %v, want 0600", perm)
	}
	back, err := readKeptPeers(path)
	if err != nil || !reflect.DeepEqual(back, wantRecs) {
		t.Fatalf("read back %+v, %v; want %+v", back, err, wantRecs)
	}
}

// keptFileCases are damaged kept-peers files and the error each gives.
func keptFileCases(t testing.TB) []struct{ name, data, err string } {
	dev := testKey(t, 1).Public().Device().String()
	peerWith := func(fields string) string {
		return `{"format":"kith-kept-peers","version":1,"peers":[{"device":"` + dev + `"` + fields + `}]}`
	}
	return []struct{ name, data, err string }{
		{"empty", ``, "not a kept-peers file: EOF"},
		{"not JSON", `kept`, "not a kept-peers file: invalid character"},
		{"trailing data", `{"format":"kith-kept-peers","version":1,"peers":[]} {}`, "data after the JSON document"},
		{"unknown field", `{"format":"kith-kept-peers","version":1,"peers":[],"x":1}`, `unknown field "x"`},
		{"wrong format", `{"format":"other","version":1,"peers":[]}`, `format is "other", want "kith-kept-peers"`},
		{"wrong version", `{"format":"kith-kept-peers","version":2,"peers":[]}`, "version 2 is not supported (want 1)"},
		{"bad device", `{"format":"kith-kept-peers","version":1,"peers":[{"device":"dev_x"}]}`, "peer 1: "},
		{"account id", `{"format":"kith-kept-peers","version":1,"peers":[{"device":"` + identity.PublicKey{}.Account().String() + `"}]}`, "peer 1: "},
		{"listed twice", `{"format":"kith-kept-peers","version":1,"peers":[{"device":"` + dev + `"},{"device":"` + dev + `"}]}`, "peer 2: " + dev + " is listed twice"},
		{"bad address", peerWith(`,"addrs":["/ip4/1.2.3"]`), "peer 1 (" + dev + "): addrs: address 1: address \"/ip4/1.2.3\" is not a multiaddr"},
		{"bad learned address", peerWith(`,"learned":["/ip4/127.0.0.1/tcp/1","tcp"]`), "peer 1 (" + dev + "): learned: address 2: address \"tcp\" is not a multiaddr"},
		{"too many addresses", peerWith(`,"addrs":[` + strings.Repeat(`"/ip4/127.0.0.1/tcp/1",`, maxKeptAddrs) + `"/ip4/127.0.0.1/tcp/1"]`), "addrs: 17 addresses, more than the 16 allowed"},
		{"too long an address", peerWith(`,"addrs":["/dns/` + strings.Repeat("a", maxAddrLen) + `/tcp/1"]`), "address of 1035 bytes is longer than the 1024 allowed"},
		{"too large", `{"format":"kith-kept-peers","version":1,"peers":[]}` + strings.Repeat(" ", maxKeptFileSize), "more than the 1048576 allowed"},
	}
}

func TestDecodeKeptPeersRejects(t *testing.T) {
	for _, tc := range keptFileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := decodeKeptPeers([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("decodeKeptPeers = %v, %v; want an error containing %q", recs, err, tc.err)
			}
		})
	}
	many := `{"format":"kith-kept-peers","version":1,"peers":[` + strings.Repeat(`{"device":"x"},`, maxKeptPeers) + `{"device":"x"}]}`
	if _, err := decodeKeptPeers([]byte(many)); err == nil || !strings.Contains(err.Error(), "1025 peers, more than the 1024 allowed") {
		t.Fatalf("too many peers: %v", err)
	}
}

func TestReadKeptPeersNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), keptPeersFile)
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readKeptPeers(path)
	if err == nil || !strings.Contains(err.Error(), "kept peers in "+path+" (fix or remove the file)") {
		t.Fatalf("readKeptPeers = %v; want an error naming %s", err, path)
	}
}

// FuzzDecodeKeptPeers: decoding never panics, and whatever decodes encodes
// to a file that decodes to the same peers.
func FuzzDecodeKeptPeers(f *testing.F) {
	for _, tc := range keptFileCases(f) {
		f.Add([]byte(tc.data))
	}
	good, err := encodeKeptPeers([]keptRecord{{key: testKey(f, 1).Public(), addrs: []string{"/ip4/127.0.0.1/tcp/1"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := decodeKeptPeers(data)
		if err != nil {
			return
		}
		again, err := encodeKeptPeers(recs)
		if err != nil {
			t.Fatalf("cannot encode what decoded: %v", err)
		}
		back, err := decodeKeptPeers(again)
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if len(back) != len(recs) {
			t.Fatalf("%d peers decode to %d after a round trip", len(recs), len(back))
		}
	})
}
