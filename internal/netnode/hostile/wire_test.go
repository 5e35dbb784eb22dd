package hostile

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"
)

// The attacks' well-formed messages are the bytes of doc/protocol's
// examples (sync.md "Test vectors", blobsync.md "Examples").
func TestWireMatchesProtocolExamples(t *testing.T) {
	abc, _ := hex.DecodeString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
	var id [32]byte
	copy(id[:], abc)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"HELLO", frame(syncHello()), "0000000483000180"},
		{"CREDIT", frame(syncCredit(65536, 32<<20)), "0000000c83041a000100001a02000000"},
		{"RECONCILE [[null, list, []]]", frame(syncListAll()), "00000007" + "820181" + "83f60280"},
		{"QUERY [abc]", frame(blobQuery([][32]byte{id})), "00000025820081" + "5820" + hex.EncodeToString(abc)},
		{"GET abc 0", frame(blobGet(id, 0)), "000000258302" + "5820" + hex.EncodeToString(abc) + "00"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

// A flood message is within the 2 MiB body limit, holds floodItems items
// in strictly increasing key order, and ends with a fingerprint.
func TestSyncFloodShape(t *testing.T) {
	body := syncFlood(newChaCha())
	if len(body) > maxSyncBody {
		t.Fatalf("flood body of %d bytes, over the limit of %d", len(body), maxSyncBody)
	}
	if len(body) < maxSyncBody*9/10 {
		t.Errorf("flood body of %d bytes: under 90 %% of the limit, the flood is weaker than it can be", len(body))
	}
	keys, err := offeredKeys(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != floodItems {
		t.Fatalf("%d items, want %d", len(keys), floodItems)
	}
	if !slices.IsSortedFunc(keys, func(a, b [64]byte) int { return bytes.Compare(a[:], b[:]) }) {
		t.Error("items are not in key order")
	}
	for _, k := range keys {
		if k[0] >= 0xf0 {
			t.Fatalf("key %x is in the final fingerprint range", k[:4])
		}
	}
	// The last range: [null, 1, 16 bytes].
	if tail := body[len(body)-20:]; !bytes.Equal(tail[:4], []byte{0x83, 0xf6, 0x01, 0x50}) {
		t.Errorf("the flood does not end with a fingerprint range: % x", tail[:4])
	}
}

// ADD_PROVIDER as go-libp2p-kad-dht frames it: varint length, then the
// protobuf fields type, key, providerPeers.
func TestAddProvider(t *testing.T) {
	got := addProvider([]byte{0x12, 0x20, 1}, []byte{7, 7}, []byte{4, 1})
	want := []byte{17, 0x08, 0x02, 0x12, 3, 0x12, 0x20, 1, 0x4a, 8, 0x0a, 2, 7, 7, 0x12, 2, 4, 1}
	if !bytes.Equal(got, want) {
		t.Errorf("ADD_PROVIDER = % x, want % x", got, want)
	}
}

// The readers of what a node sends never panic.
func FuzzNodeMessages(f *testing.F) {
	f.Add(syncListAll())
	f.Add(syncFlood(newChaCha())[:300])
	f.Add([]byte{0x83, 0x08, 0x03, 0x60})
	f.Add([]byte{0x82, 0x03, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = offeredKeys(b)
		_ = entriesCount(b)
		_ = byeCode(b)
		_ = kindOf(b)
		_, _ = readFrame(bytes.NewReader(b), maxSyncBody)
	})
}
