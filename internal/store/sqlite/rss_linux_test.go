package sqlite

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// rssFileKiB returns the process's file-backed resident memory
// (RssFile in /proc/self/status), in KiB.
func rssFileKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReadsDoNotMapTheFile: reading the whole store (as a node serving a
// full sync does) must not make the file part of the process's resident
// memory. With the readers mapping the database (mmap_size 256 MiB), a
// node of 200,000 entries that had served one full sync counted 80–90 MB
// of the file in its RSS (issue 11: the 150 MB aim for a node under attack
// was out of reach before any attack). The readers read through the OS's
// page cache into their own bounded caches instead.
func TestReadsDoNotMapTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20 MB store")
	}
	dir := t.TempDir()
	path := dir + "/kith.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k := testKey(t, 1)
	pad := strings.Repeat("padding ", 120) // ~1 KB a post
	const logs, perLog = 4, 5000
	for l := range logs {
		var prev *entry.Entry
		for from := 0; from < perLog; from += 1000 {
			var batch []*entry.Entry
			for range 1000 {
				d := entry.Draft{LogID: entry.LogID{byte(l + 1)}, Seq: 1, Timestamp: 1_700_000_000_000}
				if prev != nil {
					d.Seq, d.Backlink, d.Timestamp = prev.Header.Seq+1, prev.ID, prev.Header.Timestamp+1
				}
				p, err := content.Encode(&content.Post{Text: fmt.Sprintf("post %d %s", d.Seq, pad)})
				if err != nil {
					t.Fatal(err)
				}
				d.Payload = p
				e, err := entry.Sign(k, d)
				if err != nil {
					t.Fatal(err)
				}
				batch = append(batch, e)
				prev = e
			}
			mustIngest(t, s, batch, store.Added)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Warm up: the code paths of a read are resident from here on.
	if _, err := s.LogRaw(ctx, store.LogKey{Author: k.Public(), LogID: entry.LogID{1}}, 1, 10); err != nil {
		t.Fatal(err)
	}
	before := rssFileKiB(t)
	read := 0
	for l := range logs {
		lk := store.LogKey{Author: k.Public(), LogID: entry.LogID{byte(l + 1)}}
		for from := uint64(1); ; {
			es, err := s.LogRaw(ctx, lk, from, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				read += len(e.Header) + len(e.Payload)
			}
			from += uint64(len(es))
		}
	}
	grew := rssFileKiB(t) - before
	t.Logf("read %d bytes of entries from a %d-byte file; file-backed RSS grew by %d KiB", read, fi.Size(), grew)
	if read < 20<<20 {
		t.Fatalf("read only %d bytes", read)
	}
	if limit := int(fi.Size() >> 10 / 10); grew > limit {
		t.Fatalf("reading the store made %d KiB of files resident, want at most %d (a tenth of the %d-byte file)", grew, limit, fi.Size())
	}
}
