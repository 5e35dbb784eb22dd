package blob

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func openStore(t testing.TB, maxSize int64) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), maxSize)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files returns the regular files under dir, relative to it, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stream is a deterministic pseudo-random stream of n bytes.
func stream(seed byte, n int64) io.Reader {
	var s [32]byte
	s[0] = seed
	return io.LimitReader(rand.NewChaCha8(s), n)
}

func TestOpen(t *testing.T) {
	s := openStore(t, 0)
	if s.MaxSize() != DefaultMaxSize || DefaultMaxSize != 64<<20 {
		t.Fatalf("MaxSize() = %d, want %d", s.MaxSize(), 64<<20)
	}
	if _, err := Open(t.TempDir(), -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("Open with maxSize -1: %v", err)
	}
	if _, err := Open("", 0); err == nil {
		t.Fatal("Open with no directory succeeded")
	}
	if s, err := Open(t.TempDir(), 1000); err != nil || s.MaxSize() != 1000 {
		t.Fatalf("Open(1000) = %v, %v", s, err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := openStore(t, 0)
	id, n, err := s.Put(strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	if id.Hex() != abcHex || n != 3 {
		t.Fatalf("Put(abc) = %s, %d; want %s, 3", id.Hex(), n, abcHex)
	}
	// Layout: DIR/sha256/ab/cdef…
	if got, want := files(t, s.Dir()), []string{"sha256/ba/" + abcHex[2:]}; !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	if got, want := s.Path(id), filepath.Join(s.Dir(), "sha256", "ba", abcHex[2:]); got != want {
		t.Fatalf("Path = %s, want %s", got, want)
	}
	ok, size, err := s.Has(id)
	if !ok || size != 3 || err != nil {
		t.Fatalf("Has = %v, %d, %v", ok, size, err)
	}
	rc, size, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if string(got) != "abc" || size != 3 || err != nil {
		t.Fatalf("Open read %q (size %d), %v", got, size, err)
	}
	if err := s.Verify(id); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	f, size, err := s.OpenFile(id)
	if err != nil || size != 3 {
		t.Fatalf("OpenFile = %d, %v", size, err)
	}
	f.Seek(1, io.SeekStart)
	rest, _ := io.ReadAll(f)
	f.Close()
	if string(rest) != "bc" {
		t.Fatalf("OpenFile seek+read = %q", rest)
	}

	// Idempotent.
	if id2, _, err := s.Put(strings.NewReader("abc")); err != nil || id2 != id {
		t.Fatalf("second Put = %s, %v", id2.Hex(), err)
	}
	if got := files(t, s.Dir()); len(got) != 1 {
		t.Fatalf("after second Put: files %q", got)
	}

	// The empty blob is a blob.
	eid, n, err := s.Put(strings.NewReader(""))
	if err != nil || eid.Hex() != emptyHex || n != 0 {
		t.Fatalf("Put(empty) = %s, %d, %v", eid.Hex(), n, err)
	}

	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.Has(id); ok || err != nil {
		t.Fatalf("Has after Delete = %v, %v", ok, err)
	}
	if _, _, err := s.Open(id); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), abcText) {
		t.Fatalf("Open after Delete: %v", err)
	}
	if err := s.Verify(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Verify after Delete: %v", err)
	}
	if err := s.Delete(id); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestList(t *testing.T) {
	s := openStore(t, 0)
	want := map[ID]int64{}
	for _, c := range []string{"abc", "", "hello, world", "x"} {
		id, n, err := s.Put(strings.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		want[id] = n
	}
	// Stray files are skipped.
	os.WriteFile(filepath.Join(s.Dir(), "sha256", "ba", "not-a-blob"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), "sha256", "README"), []byte("x"), 0o600)

	var ids []ID
	err := s.List(func(id ID, n int64) error {
		if want[id] != n {
			t.Errorf("List: %s has size %d, want %d", id, n, want[id])
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(want) {
		t.Fatalf("List gave %d blobs, want %d", len(ids), len(want))
	}
	if !slices.IsSortedFunc(ids, func(a, b ID) int { return bytes.Compare(a[:], b[:]) }) {
		t.Fatal("List not in id order")
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.List(func(ID, int64) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatalf("List with stopping fn = %v after %d calls", err, calls)
	}
}

func TestLargeBlobConstantMemory(t *testing.T) {
	const size = 20 << 20
	s := openStore(t, 0)

	h := sha256.New()
	io.Copy(h, stream(7, size))
	want := ID(h.Sum(nil))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	id, n, err := s.Put(stream(7, size))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if id != want || n != size {
		t.Fatalf("Put = %s, %d; want %s, %d", id.Hex(), n, want.Hex(), size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("Put of %d bytes allocated %d bytes; it should stream", size, alloc)
	}

	runtime.GC()
	runtime.ReadMemStats(&before)
	rc, rsize, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	h.Reset()
	m, err := io.Copy(h, rc)
	rc.Close()
	runtime.ReadMemStats(&after)
	if err != nil || m != size || rsize != size || ID(h.Sum(nil)) != want {
		t.Fatalf("read back %d of %d bytes, %v", m, rsize, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("reading %d bytes allocated %d bytes; it should stream", size, alloc)
	}
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestPutTooLarge(t *testing.T) {
	const limit = 1000
	s := openStore(t, limit)
	// Exactly at the limit is fine.
	id, n, err := s.Put(stream(1, limit))
	if err != nil || n != limit {
		t.Fatalf("Put of %d bytes: %d, %v", limit, n, err)
	}
	// One byte more is not, and reading stops there even for an endless
	// input.
	cr := &countingReader{r: stream(2, 1<<40)}
	_, _, err = s.Put(cr)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put over the limit: %v, want ErrTooLarge", err)
	}
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != limit || tl.Size != -1 {
		t.Fatalf("error %#v, want a *TooLargeError with Limit %d", err, limit)
	}
	if cr.n != limit+1 {
		t.Fatalf("Put read %d bytes, want it to stop at %d", cr.n, limit+1)
	}
	for _, sub := range []string{"1000 bytes", "raise the limit", "--blob-max-size", "KITH_BLOB_MAX_SIZE"} {
		if !strings.Contains(err.Error(), sub) {
			t.Errorf("error %q does not mention %q", err, sub)
		}
	}
	// Only the first blob is on disk: no temporary file, no partial blob.
	if got, want := files(t, s.Dir()), []string{"sha256/" + id.Hex()[:2] + "/" + id.Hex()[2:]}; !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
}

func TestTooLargeMessage(t *testing.T) {
	for _, tc := range []struct {
		err  TooLargeError
		want string
	}{
		{TooLargeError{Limit: 64 << 20, Size: -1}, "blob is larger than the size limit of 64 MiB (67108864 bytes); use a smaller file, or raise the limit with --blob-max-size or KITH_BLOB_MAX_SIZE"},
		{TooLargeError{Limit: 1000, Size: 1536}, "blob of 1.5 KiB (1536 bytes) is larger than the size limit of 1000 bytes; use a smaller file, or raise the limit with --blob-max-size or KITH_BLOB_MAX_SIZE"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() =\n%s\nwant\n%s", got, tc.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1023, "1023 bytes"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{64 << 20, "64 MiB"}, {3 << 30, "3 GiB"}, {1<<63 - 1, "8 EiB"},
	} {
		if got := humanSize(tc.n); got != tc.want {
			t.Errorf("humanSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// failingReader yields n bytes, then an error.
type failingReader struct{ n int }

var errBroken = errors.New("connection reset")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errBroken
	}
	k := min(len(p), f.n)
	clear(p[:k])
	f.n -= k
	return k, nil
}

func TestPutReadErrorLeavesNothing(t *testing.T) {
	s := openStore(t, 0)
	_, _, err := s.Put(&failingReader{n: 100000})
	if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), "reading the blob to store, after 100000 bytes") {
		t.Fatalf("Put: %v, want the reader's error", err)
	}
	if got := files(t, s.Dir()); len(got) != 0 {
		t.Fatalf("files left behind: %q", got)
	}
}

// noRead fails the test when read.
type noRead struct{ t *testing.T }

func (n noRead) Read([]byte) (int, error) {
	n.t.Error("PutExpected read a blob it should have refused")
	return 0, io.EOF
}

func TestPutExpected(t *testing.T) {
	s := openStore(t, 1000)
	abc := Sum([]byte("abc"))
	for _, tc := range []struct {
		name   string
		in     string
		want   ID
		size   int64
		errIs  error
		errHas string
	}{
		{"good", "abc", abc, 3, nil, ""},
		{"other bytes", "abd", abc, 3, ErrHashMismatch, "received 3 bytes hashing to a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9, want 3 bytes hashing to " + abcHex},
		{"short", "ab", abc, 3, ErrHashMismatch, "received 2 bytes hashing to fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603"},
		{"long", "abcd", abc, 3, ErrHashMismatch, "received more than 3 bytes"},
		{"negative size", "abc", abc, -1, nil, "expected size -1 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, 1000)
			err := s.PutExpected(strings.NewReader(tc.in), tc.want, tc.size)
			if tc.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				if ok, n, _ := s.Has(tc.want); !ok || n != tc.size {
					t.Fatalf("Has = %v, %d", ok, n)
				}
				return
			}
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Fatalf("err = %v, want %v", err, tc.errIs)
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.errHas)
			}
			if got := files(t, s.Dir()); len(got) != 0 {
				t.Fatalf("files left behind: %q", got)
			}
		})
	}
	// An announced size over the limit is refused before reading.
	err := s.PutExpected(noRead{t}, abc, 1001)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 1001 || tl.Limit != 1000 || !strings.Contains(err.Error(), abcText) {
		t.Fatalf("PutExpected over the limit: %v", err)
	}
}

// A check sees the complete, verified bytes; refusing leaves nothing behind.
func TestPutExpectedChecks(t *testing.T) {
	abc := Sum([]byte("abc"))
	var seen []string
	saw := func(r io.Reader) error {
		b, err := io.ReadAll(r)
		seen = append(seen, string(b))
		return err
	}
	refuse := func(io.Reader) error { return errors.New("not today") }

	s := openStore(t, 1000)
	err := s.PutExpected(strings.NewReader("abc"), abc, 3, saw, refuse)
	var re *RefusedError
	if !errors.As(err, &re) || re.ID != abc || re.Reason.Error() != "not today" || !strings.Contains(err.Error(), "refused: not today") {
		t.Fatalf("PutExpected with a refusing check: %v", err)
	}
	if len(seen) != 1 || seen[0] != "abc" {
		t.Fatalf("the first check saw %q, want [abc]", seen)
	}
	if ok, _, _ := s.Has(abc); ok {
		t.Fatal("a refused blob is in the store")
	}
	if got := files(t, s.Dir()); len(got) != 0 {
		t.Fatalf("files left behind: %q", got)
	}
	// Checks that pass: stored, and each saw the whole blob from the start.
	seen = nil
	if err := s.PutExpected(strings.NewReader("abc"), abc, 3, saw, saw); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != "abc" || seen[1] != "abc" {
		t.Fatalf("checks saw %q", seen)
	}
	if ok, n, _ := s.Has(abc); !ok || n != 3 {
		t.Fatalf("Has = %v, %d", ok, n)
	}
	// A blob that fails its hash never reaches the checks.
	seen = nil
	if err := s.PutExpected(strings.NewReader("abd"), abc, 3, saw); !errors.Is(err, ErrHashMismatch) || len(seen) != 0 {
		t.Fatalf("err %v, checks saw %q", err, seen)
	}
}

func TestCorruptOnDisk(t *testing.T) {
	s := openStore(t, 0)
	id, _, err := s.Put(stream(3, 300000))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.Path(id), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	f.ReadAt(b[:], 123456)
	b[0] ^= 0x01
	f.WriteAt(b[:], 123456)
	f.Close()

	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v, want ErrCorrupt", what, err)
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.ID != id || ce.Path != s.Path(id) || ce.Size != 300000 || ce.Got == id {
			t.Fatalf("%s: %#v", what, err)
		}
		for _, sub := range []string{id.String(), s.Path(id), "delete the file"} {
			if !strings.Contains(err.Error(), sub) {
				t.Errorf("%s: error %q does not mention %q", what, err, sub)
			}
		}
	}
	rc, _, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if n != 300000 {
		t.Fatalf("read %d bytes before the error", n)
	}
	check("reading", err)
	check("Verify", s.Verify(id))

	// Putting the right bytes again repairs the file.
	if _, _, err := s.Put(stream(3, 300000)); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(id); err != nil {
		t.Fatalf("Verify after repair: %v", err)
	}
}

func TestConcurrentPut(t *testing.T) {
	s := openStore(t, 0)
	var content bytes.Buffer
	io.Copy(&content, stream(4, 1<<20))
	want := Sum(content.Bytes())

	var wg sync.WaitGroup
	errs := make([]error, 8)
	ids := make([]ID, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], _, errs[i] = s.Put(bytes.NewReader(content.Bytes()))
		}()
	}
	// Readers racing the writers see the whole blob or none of it.
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rc, _, err := s.Open(want); err == nil {
				_, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil {
					t.Errorf("concurrent read: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		if errs[i] != nil || ids[i] != want {
			t.Fatalf("Put %d = %s, %v", i, ids[i].Hex(), errs[i])
		}
	}
	if got, want := files(t, s.Dir()), []string{"sha256/" + want.Hex()[:2] + "/" + want.Hex()[2:]}; !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	if err := s.Verify(want); err != nil {
		t.Fatal(err)
	}
}

func TestStaleTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, 0); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "tmp", "put-stale")
	fresh := filepath.Join(dir, "tmp", "put-fresh")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := Open(dir, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file removed: %v", err)
	}
}

func BenchmarkPut(b *testing.B) {
	s := openStore(b, 0)
	var content bytes.Buffer
	io.Copy(&content, stream(5, 1<<20))
	data := content.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Vary the content so each Put writes a new blob.
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		if _, _, err := s.Put(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleStore_Put() {
	dir, _ := os.MkdirTemp("", "blobs")
	defer os.RemoveAll(dir)
	s, err := Open(dir, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	id, n, err := s.Put(strings.NewReader("abc"))
	fmt.Println(id, n, err)
	// Output: blob_xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacww57hxkbe 3 <nil>
}
