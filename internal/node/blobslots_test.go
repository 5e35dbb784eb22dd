package node_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/blobsync"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/node"
)

// blobGet is the framed GET of blob id from offset 0 (blobsync.md).
func blobGet(id blob.ID) []byte {
	body := append([]byte{0x83, 0x02, 0x58, 0x20}, id[:]...)
	body = append(body, 0x00)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// Strangers that hold slow blob transfers open cannot keep a followed
// peer from its blobs: ReservedServing slots are kept for it.
func TestMockBlobSlotsKeptForFollowedPeers(t *testing.T) {
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	follow(t, a, b)
	follow(t, b, a)
	big := make([]byte, 4<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	bigID, _, _, err := a.AddBlob(bytes.NewReader(big), false)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := a.NewInvite(time.Hour) // for a's device key and addresses
	if err != nil {
		t.Fatal(err)
	}
	c, err := invite.Parse(inv.Code)
	if err != nil {
		t.Fatal(err)
	}
	// Strangers ask for every slot, one each (no stranger holds more than
	// its share, so none loses a slot to another), and read nothing more
	// than the first bytes of the answer.
	for range blobsync.MaxServing {
		h, _ := guessingStranger(t, mn, c)
		s, err := h.Open(t.Context(), c.Device, node.BlobProtocol)
		if err != nil {
			t.Fatalf("open a blob stream: %v", err)
		}
		t.Cleanup(func() { _ = s.Reset() })
		if _, err := s.Write(blobGet(bigID)); err != nil {
			t.Fatal(err)
		}
		_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(s, make([]byte, 4)); err != nil {
			t.Fatalf("the answer to a GET: %v", err)
		}
	}
	st, err := a.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Blobs.Busy != blobsync.ReservedServing {
		t.Fatalf("%d GETs answered busy, want the %d beyond the strangers' share", st.Blobs.Busy, blobsync.ReservedServing)
	}
	// b, which a follows, gets the image of a's post.
	picture, _ := pngWithGPS(t)
	imgID, _, _, err := a.AddBlob(bytes.NewReader(picture), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddPeer(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(t.Context(), "with a picture", []blob.ID{imgID}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to fetch the picture", func() bool {
		ok, _, err := b.Blobs().Has(imgID)
		return err == nil && ok
	})
	st, err = a.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Blobs.Preempted != 0 || st.Blobs.Busy != blobsync.ReservedServing {
		t.Fatalf("blob totals %+v: b was served from a reserved slot, so want nothing preempted and %d busy", st.Blobs, blobsync.ReservedServing)
	}
}
