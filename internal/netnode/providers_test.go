package netnode

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	ds "github.com/ipfs/go-datastore"
	dsq "github.com/ipfs/go-datastore/query"
	leveldb "github.com/ipfs/go-ds-leveldb"
	pb "github.com/libp2p/go-libp2p-kad-dht/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"
)

// dhtProtocol is the DHT's stream protocol under kith's prefix.
const dhtProtocol = DHTProtocolPrefix + "/kad/1.0.0"

// floodProviders sends one ADD_PROVIDER message from h to server for each
// of count fresh keys (named by tag), as fast as the stream takes them,
// then a GET_PROVIDERS and waits for its answer: the server handles one
// stream's messages in order, so once it answers it has handled them all.
// It returns early if the server hangs up (a penalty).
func floodProviders(t *testing.T, h *Host, to *Host, tag string, count int) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	server, err := h.Connect(ctx, to.Addrs()[0])
	if err != nil {
		t.Fatalf("connecting to the DHT server: %v", err)
	}
	sid, err := peerIDOf(server)
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.host.NewStream(ctx, sid, protocol.ID(dhtProtocol))
	if err != nil {
		t.Fatalf("opening the DHT protocol: %v", err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(30 * time.Second))
	self := peer.AddrInfo{ID: h.host.ID(), Addrs: h.host.Addrs()}
	write := func(m *pb.Message) error {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Write(append(binary.AppendUvarint(nil, uint64(len(b))), b...))
		return err
	}
	for i := range count {
		c, err := dhtKey(fmt.Appendf(nil, "%s-%d", tag, i))
		if err != nil {
			t.Fatal(err)
		}
		m := pb.NewMessage(pb.Message_ADD_PROVIDER, c.Hash(), 0)
		m.ProviderPeers = pb.RawPeerInfosToPBPeers([]peer.AddrInfo{self})
		if err := write(m); err != nil {
			return // hung up on
		}
	}
	c, _ := dhtKey([]byte(tag))
	if err := write(pb.NewMessage(pb.Message_GET_PROVIDERS, c.Hash(), 0)); err != nil {
		return
	}
	_, _ = s.Read(make([]byte, 1)) // the answer, or the end of a stream hung up on
}

// storedProviderRecords counts the provider records in the DHT datastore
// of a closed host's data directory, by provider.
func storedProviderRecords(t *testing.T, dataDir string) map[peer.ID]int {
	t.Helper()
	store, err := leveldb.NewDatastore(filepath.Join(dataDir, dhtDir), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	res, err := store.Query(context.Background(), dsq.Query{Prefix: providersPrefix, KeysOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	out := map[peer.ID]int{}
	for r := range res.Next() {
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		_, p, ok := parseProviderKey(ds.RawKey(r.Key))
		if !ok {
			t.Fatalf("datastore key %q is no provider record", r.Key)
		}
		out[p]++
	}
	return out
}

// Issue 11, item 4: a DHT server keeps at most MaxProviderRecordsPerPeer
// provider records of one peer and MaxProviderRecords in all, however many
// ADD_PROVIDER messages arrive; the peer that sends more than its share is
// penalised, one that finds the store full is not. The caps hold after a
// restart (the records are counted from the datastore).
func TestProviderRecordsCapped(t *testing.T) {
	const perPeer, total = 8, 30
	cfg := dhtConfig(t, 1)
	cfg.MaxProviderRecordsPerPeer, cfg.MaxProviderRecords = perPeer, total
	server := startHost(t, cfg)

	flooder := startHost(t, loopbackConfig(t, testKey(t, 2)))
	floodProviders(t, flooder, server, "flood", 500)
	if _, refused := server.Refused(flooder.Key()); !refused {
		t.Error("the peer that sent 500 provider records is not penalised")
	}
	// Three more peers, within their share each: 8 + 3*8 = 32 > 30.
	var last *Host
	for i := range 3 {
		last = startHost(t, loopbackConfig(t, testKey(t, byte(3+i))))
		floodProviders(t, last, server, fmt.Sprintf("fair-%d", i), perPeer)
	}
	if _, refused := server.Refused(last.Key()); refused {
		t.Error("a peer within its share is penalised because the store is full")
	}
	if got := server.ProviderRecords(); got.Records != total || got.Peers != 4 {
		t.Errorf("ProviderRecords = %+v, want %d records of 4 peers", got, total)
	}
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	stored := storedProviderRecords(t, cfg.DataDir)
	sum := 0
	for _, n := range stored {
		sum += n
	}
	if fid, _ := peerIDOf(flooder.Key()); stored[fid] != perPeer {
		t.Errorf("the datastore holds %d records of the flooder, want %d", stored[fid], perPeer)
	}
	if sum != total {
		t.Fatalf("the datastore holds %d provider records, want %d", sum, total)
	}

	// Restarted on the same datastore, the server knows it is full.
	again := startHost(t, cfg)
	if got := again.ProviderRecords(); got.Records != total {
		t.Fatalf("after a restart ProviderRecords = %+v, want %d records", got, total)
	}
	late := startHost(t, loopbackConfig(t, testKey(t, 9)))
	floodProviders(t, late, again, "late", 2)
	if got := again.ProviderRecords(); got.Records != total {
		t.Fatalf("after a restart and 2 more records ProviderRecords = %+v, want %d records", got, total)
	}
}
