package node

import (
	"bytes"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// villageEntries gives the reducer the same certificates whether it reads
// each author's certificate log or, with many authors, every certificate
// held at once.
func TestVillageEntriesCertificatesBulk(t *testing.T) {
	ctx := t.Context()
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	other, _ := identity.GenerateKey(nil)
	fe, err := n.FoundVillage(ctx, "v", village.Unanimous, village.Majority, []identity.PublicKey{other.Public()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		dev, _ := identity.GenerateKey(nil)
		acct, _ := identity.GenerateKey(nil)
		cert, err := content.NewDeviceCert(acct, dev, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		req, err := entry.Sign(dev, entry.Draft{LogID: entry.LogID(fe.ID), Seq: 1, Timestamp: uint64(i + 1),
			Payload: village.MustEncode(&village.Request{Village: fe.ID, User: [32]byte{1}, Text: "hi", Cert: village.CertOf(cert)})})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.store.Ingest(ctx, []*entry.Entry{cert, req}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []entry.ID {
		_, es, err := n.villageEntries(ctx, fe.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []entry.ID
		for _, e := range es {
			out = append(out, e.ID)
		}
		slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
		return out
	}
	each := ids()
	defer func(old int) { bulkCertAuthors = old }(bulkCertAuthors)
	bulkCertAuthors = 0
	bulk := ids()
	// found, 5 requests, 5 certificates of the strangers' devices and this
	// device's own.
	if !slices.Equal(each, bulk) || len(each) != 12 {
		t.Fatalf("per author %d entries, in bulk %d (equal %v); want 12 each", len(each), len(bulk), slices.Equal(each, bulk))
	}
}
