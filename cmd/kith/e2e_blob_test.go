package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestBlobThroughThirdNode: A posts an image; C is connected to B only; the
// image reaches C through B, byte for byte.
func TestBlobThroughThirdNode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	connectAndFollow(t, []*proc{a, b, c}, [][2]int{{1, 0}, {2, 1}})

	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, x%30, color.RGBA{R: uint8(x * 6), G: 100, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "photo.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var posted struct {
		Images []string `json:"images"`
	}
	if err := json.Unmarshal(a.kith("post", "a photo", "--image", path), &posted); err != nil || len(posted.Images) != 1 {
		t.Fatalf("post: %+v %v", posted, err)
	}
	id := posted.Images[0]
	waitFor(t, syncTimeout, "C to hold A's post", func() bool { return c.hasPosts(a.Account, []string{"a photo"}) })
	got := filepath.Join(dir, "got.png")
	waitFor(t, syncTimeout, "C to fetch the image through B", func() bool {
		_, err := c.try("blob", "get", id, "--out", got)
		return err == nil
	})
	b1, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, buf.Bytes()) {
		t.Fatalf("C's copy of the image differs from A's (%d vs %d bytes)", len(b1), buf.Len())
	}
	// C never had a connection to A: it could only have the image from B,
	// which holds it too.
	var peers []struct {
		Device string `json:"device"`
	}
	if err := json.Unmarshal(c.kith("peers"), &peers); err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 || peers[0].Device != b.Device {
		t.Fatalf("C's peers: %+v, want only B", peers)
	}
	if _, err := b.try("blob", "get", id, "--out", filepath.Join(dir, "b.png")); err != nil {
		t.Fatalf("B does not hold the image it passed on: %v", err)
	}
}
