package node

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
)

// BenchmarkLeaseBlobSweep20k is one sweep of ended leases' blobs (one
// candidate, which the last post names: kept) on a node holding 20,000
// posts, one in ten with a picture: the cost the sweep's gap bounds.
func BenchmarkLeaseBlobSweep20k(b *testing.B) {
	defer func(g, gr time.Duration) { leaseSweepGap, leaseBlobGrace = g, gr }(leaseSweepGap, leaseBlobGrace)
	leaseSweepGap, leaseBlobGrace = 0, 0
	n := newSpaceNode(b)
	ctx := b.Context()
	pic, _, _, err := n.AddBlob(bytes.NewReader(pngOf(b)), true)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20_000 {
		var imgs []blob.ID
		if i%10 == 0 || i == 19_999 {
			imgs = []blob.ID{pic}
		}
		if _, err := n.Post(ctx, fmt.Sprintf("post %d", i), imgs, entry.ID{}); err != nil {
			b.Fatal(err)
		}
	}
	var lb leaseBlobs
	for b.Loop() {
		if err := n.writeLeaseBlobs([]blob.ID{pic}); err != nil {
			b.Fatal(err)
		}
		if c, _, err := n.sweepLeaseBlobs(ctx, nil, &lb); err != nil || c != 0 {
			b.Fatalf("sweep: %d deleted, %v", c, err)
		}
	}
}

// pngOf is a small grey picture.
func pngOf(b *testing.B) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
