package blob

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSize is the size limit of a Store opened with maxSize 0: 64 MiB.
const DefaultMaxSize int64 = 64 << 20

// Directory layout under a Store's root (see doc/protocol/blob.md).
const (
	hashDir = "sha256" // DIR/sha256/ab/cdef… (first byte in hex, then the other 31)
	tmpDir  = "tmp"    // DIR/tmp/put-… (writes in progress)
)

// staleTemp is the age (time since its last write) after which Open removes
// a temporary file left behind by a crashed process. A write in progress
// touches its file at least every few seconds, so it is never that old.
const staleTemp = time.Hour

// copyBufSize is the buffer used to stream a blob: memory per Put or Verify.
const copyBufSize = 64 << 10

// Errors returned by the Store. Each is wrapped with details (which blob,
// which file, which sizes); test for them with errors.Is.
var (
	// ErrNotFound means the store has no blob with that id.
	ErrNotFound = errors.New("blob not found")
	// ErrTooLarge means the blob is over the store's size limit. The error is
	// a *TooLargeError, which carries the limit.
	ErrTooLarge = errors.New("blob too large")
	// ErrHashMismatch means that bytes fetched for a blob are not that blob (wrong hash
	// or wrong size). Nothing was stored.
	ErrHashMismatch = errors.New("blob hash mismatch")
	// ErrCorrupt means that a stored file no longer hashes to its blob id. The error
	// is a *CorruptError, which carries the file's path.
	ErrCorrupt = errors.New("blob corrupt on disk")
)

// TooLargeError reports a blob over a Store's size limit. It matches
// ErrTooLarge with errors.Is.
type TooLargeError struct {
	// Limit is the store's size limit in bytes.
	Limit int64
	// Size is the size announced for the blob, or -1 when the blob was
	// streamed in and stopped at the first byte over the limit.
	Size int64
}

// Error says what the limit is and how to raise it.
func (e *TooLargeError) Error() string {
	what := "blob is larger than"
	if e.Size >= 0 {
		what = "blob of " + sizeText(e.Size) + " is larger than"
	}
	return fmt.Sprintf("%s the size limit of %s; use a smaller file, or raise the limit with --blob-max-size or KITH_BLOB_MAX_SIZE",
		what, sizeText(e.Limit))
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// CorruptError reports a stored blob file whose contents no longer hash to
// the blob's id (disk error, or someone edited the file). It matches
// ErrCorrupt with errors.Is.
type CorruptError struct {
	// ID is the blob the file should hold.
	ID ID
	// Path is the file on disk.
	Path string
	// Got is the hash of what the file holds, and Size its length.
	Got  ID
	Size int64
}

// Error names the blob and the file, and says what to do.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("blob %s is corrupt on disk: %s holds %d bytes hashing to %s; delete the file and fetch the blob again from a peer, or restore it from a backup",
		e.ID, e.Path, e.Size, e.Got.Hex())
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Store keeps blobs as files under one directory:
//
//	DIR/sha256/ab/cdef…   the blob whose SHA-256 in hex is "abcdef…"
//	DIR/tmp/put-…         writes in progress
//
// The methods of a Store are safe for concurrent use, also by several
// processes sharing the directory: a blob is written to a temporary file,
// synced and renamed into place, so it appears complete or not at all, and
// two writers of the same blob write the same bytes.
type Store struct {
	dir     string
	maxSize int64
}

// Open opens the blob store in dir, creating the directory if needed. maxSize
// is the largest blob Put and PutExpected accept, in bytes; 0 means
// DefaultMaxSize. Open removes temporary files that crashed writers left
// behind (those not written to for an hour).
func Open(dir string, maxSize int64) (*Store, error) {
	if maxSize < 0 {
		return nil, fmt.Errorf("blob store %s: size limit %d is negative; use 0 for the default of %s", dir, maxSize, humanSize(DefaultMaxSize))
	}
	if maxSize == 0 {
		maxSize = DefaultMaxSize
	}
	if dir == "" {
		return nil, errors.New("blob store: no directory given")
	}
	for _, d := range []string{dir, filepath.Join(dir, hashDir), filepath.Join(dir, tmpDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob store: cannot create directory: %w", err)
		}
	}
	s := &Store{dir: dir, maxSize: maxSize}
	s.removeStaleTemps()
	return s, nil
}

// removeStaleTemps deletes temporary files not written to for staleTemp. It
// is best effort: a file that cannot be removed now is tried again at the
// next Open, and costs only disk space meanwhile.
func (s *Store) removeStaleTemps() {
	d := filepath.Join(s.dir, tmpDir)
	ents, err := os.ReadDir(d)
	if err != nil {
		return
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || time.Since(info.ModTime()) < staleTemp {
			continue
		}
		_ = os.Remove(filepath.Join(d, e.Name()))
	}
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.dir }

// MaxSize returns the largest blob the store accepts, in bytes.
func (s *Store) MaxSize() int64 { return s.maxSize }

// Path returns the file that holds (or would hold) blob id. Reading it
// directly skips hash verification; see OpenFile.
func (s *Store) Path(id ID) string {
	h := id.Hex()
	return filepath.Join(s.dir, hashDir, h[:2], h[2:])
}

// Put stores the bytes read from r until io.EOF and returns their id and
// size. It streams: memory use does not depend on the blob's size. If r
// yields more than MaxSize bytes, Put stops reading at the first byte over
// the limit and returns a *TooLargeError. Storing a blob that is already
// present succeeds and leaves one copy. On any error nothing is stored and no
// temporary file is left behind.
func (s *Store) Put(r io.Reader) (ID, int64, error) {
	return s.put(r, nil, -1, nil)
}

// PutExpected stores a blob fetched from elsewhere (a peer, a bundle): the
// bytes read from r until io.EOF must be exactly size bytes hashing to want.
// If they are not, PutExpected returns an error matching ErrHashMismatch and
// stores nothing; it stops reading at the first byte beyond size. A size over
// MaxSize is refused with a *TooLargeError before anything is read.
//
// Each check, when given, reads the complete, verified bytes before the blob
// becomes visible under its id; an error from a check refuses the blob
// (nothing is stored) and is returned wrapped in a *RefusedError.
func (s *Store) PutExpected(r io.Reader, want ID, size int64, checks ...Check) error {
	if size < 0 {
		return fmt.Errorf("blob %s: expected size %d is negative", want, size)
	}
	if size > s.maxSize {
		return fmt.Errorf("blob %s: %w", want, &TooLargeError{Limit: s.maxSize, Size: size})
	}
	_, _, err := s.put(r, &want, size, checks)
	return err
}

// A Check inspects a blob's bytes before PutExpected makes it visible; an
// error refuses the blob.
type Check func(r io.Reader) error

// RefusedError is returned by PutExpected when a check refused a blob.
type RefusedError struct {
	ID     ID
	Reason error
}

func (e *RefusedError) Error() string { return fmt.Sprintf("blob %s refused: %v", e.ID, e.Reason) }

// Unwrap returns the check's error.
func (e *RefusedError) Unwrap() error { return e.Reason }

// put streams r into a temporary file while hashing it, checks the limit (and
// want and wantSize when want is not nil), syncs and renames the file into
// place.
func (s *Store) put(r io.Reader, want *ID, wantSize int64, checks []Check) (id ID, n int64, err error) {
	limit := s.maxSize
	if want != nil {
		limit = wantSize
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return ID{}, 0, fmt.Errorf("blob store %s: cannot create a temporary file: %w", s.dir, err)
	}
	tmpName := tmp.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				_ = tmp.Close()
			}
			_ = os.Remove(tmpName)
		}
	}()

	h := sha256.New()
	tw := &errWriter{w: tmp}
	// Read at most one byte more than allowed: that byte proves the input is
	// too long without reading the rest of it.
	n, err = io.CopyBuffer(io.MultiWriter(tw, h), io.LimitReader(r, limit+1), make([]byte, copyBufSize))
	if err != nil {
		if tw.err != nil {
			return ID{}, n, fmt.Errorf("blob store %s: writing blob to %s after %d bytes: %w", s.dir, tmpName, n, err)
		}
		return ID{}, n, fmt.Errorf("blob store %s: reading the blob to store, after %d bytes: %w", s.dir, n, err)
	}
	id = ID(h.Sum(nil))
	switch {
	case want != nil && (n != wantSize || id != *want):
		got := fmt.Sprintf("%d bytes hashing to %s", n, id.Hex())
		if n > wantSize {
			got = fmt.Sprintf("more than %d bytes", wantSize)
		}
		return ID{}, n, fmt.Errorf("%w: blob %s: received %s, want %d bytes hashing to %s; the sender has other or damaged data, nothing was stored",
			ErrHashMismatch, *want, got, wantSize, want.Hex())
	case n > limit:
		return ID{}, n, &TooLargeError{Limit: s.maxSize, Size: -1}
	}

	for _, check := range checks {
		if _, err = tmp.Seek(0, io.SeekStart); err != nil {
			return ID{}, n, fmt.Errorf("blob store %s: rereading %s: %w", s.dir, tmpName, err)
		}
		if cerr := check(tmp); cerr != nil {
			err = &RefusedError{ID: id, Reason: cerr}
			return ID{}, n, err
		}
	}
	if err = tmp.Sync(); err != nil {
		return ID{}, n, fmt.Errorf("blob store %s: syncing %s: %w", s.dir, tmpName, err)
	}
	closed = true
	if err = tmp.Close(); err != nil {
		return ID{}, n, fmt.Errorf("blob store %s: closing %s: %w", s.dir, tmpName, err)
	}
	final := s.Path(id)
	fanout := filepath.Dir(final)
	if err = os.MkdirAll(fanout, 0o700); err != nil {
		return ID{}, n, fmt.Errorf("blob store %s: cannot create directory: %w", s.dir, err)
	}
	// Rename atomically replaces an existing file. For the same id that file
	// holds the same bytes, unless it was damaged, in which case this repairs
	// it. Concurrent Puts of the same content each rename their own
	// temporary file; whichever is last wins, and all are identical.
	if err = os.Rename(tmpName, final); err != nil {
		return ID{}, n, fmt.Errorf("blob store %s: moving blob %s into place at %s: %w", s.dir, id, final, err)
	}
	syncDir(fanout)
	return id, n, nil
}

// syncDir makes a rename in d durable. Some platforms and file systems
// cannot sync a directory; the rename then is as durable as they make it,
// which is why errors are ignored here.
func syncDir(d string) {
	f, err := os.Open(d)
	if err != nil {
		return
	}
	_ = f.Sync()
	_ = f.Close()
}

// Open returns a reader of blob id and its size. The reader hashes what it
// reads: if the file on disk no longer matches id, it returns a
// *CorruptError (matching ErrCorrupt) where it would return io.EOF, so a
// caller that reads to the end never takes damaged bytes for good ones. The
// caller must close the reader. A missing blob gives an error matching
// ErrNotFound.
func (s *Store) Open(id ID) (io.ReadCloser, int64, error) {
	f, size, err := s.OpenFile(id)
	if err != nil {
		return nil, 0, err
	}
	return &verifyingReader{f: f, h: sha256.New(), id: id}, size, nil
}

// OpenFile returns the file holding blob id, opened for reading, and its
// size, for random access such as HTTP range requests (*os.File is an
// io.ReadSeeker). Reads from it are NOT verified: use Open to stream a whole
// blob, or call Verify first when serving parts of one. A missing blob gives
// an error matching ErrNotFound.
func (s *Store) OpenFile(id ID) (*os.File, int64, error) {
	p := s.Path(id)
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, s.notFound(id, p, err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("blob %s: %w", id, err)
	}
	if !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, 0, fmt.Errorf("blob %s: %s is not a regular file (%v); remove it", id, p, info.Mode().Type())
	}
	return f, info.Size(), nil
}

func (s *Store) notFound(id ID, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s: %w in %s", id, ErrNotFound, s.dir)
	}
	return fmt.Errorf("blob %s: %w", id, err) // *PathError names the file
}

// verifyingReader reads a blob file and checks its hash at the end.
type verifyingReader struct {
	f   *os.File
	h   hash.Hash
	id  ID
	n   int64
	err error // sticky final result
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		if got := ID(v.h.Sum(nil)); got != v.id {
			err = &CorruptError{ID: v.id, Path: v.f.Name(), Got: got, Size: v.n}
		}
		v.err = err
	} else if err != nil {
		err = fmt.Errorf("blob %s: reading %s: %w", v.id, v.f.Name(), err)
		v.err = err
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.f.Close() }

// Verify reads blob id from disk and checks that it still hashes to id. It
// returns nil if it does, a *CorruptError (matching ErrCorrupt) if not, and
// an error matching ErrNotFound if the blob is missing.
func (s *Store) Verify(id ID) error {
	rc, _, err := s.Open(id)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.CopyBuffer(struct{ io.Writer }{io.Discard}, rc, make([]byte, copyBufSize))
	return err
}

// Has reports whether blob id is stored, and its size if so. It does not
// verify the contents; see Verify.
func (s *Store) Has(id ID) (bool, int64, error) {
	info, err := os.Stat(s.Path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("blob %s: %w", id, err)
	}
	if !info.Mode().IsRegular() {
		return false, 0, fmt.Errorf("blob %s: %s is not a regular file (%v); remove it", id, s.Path(id), info.Mode().Type())
	}
	return true, info.Size(), nil
}

// Delete removes blob id. Deleting a blob that is not stored is not an
// error. Readers that opened the blob before keep reading it (on systems
// where open files can be removed).
func (s *Store) Delete(id ID) error {
	err := os.Remove(s.Path(id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s: cannot delete: %w", id, err)
	}
	return nil
}

// List calls fn with the id and size of every stored blob, in increasing
// order of id. If fn returns an error, List stops and returns that error
// unchanged. Files whose names are not blob names are skipped. Blobs put or
// deleted while List runs may or may not be seen.
func (s *Store) List(fn func(ID, int64) error) error {
	root := filepath.Join(s.dir, hashDir)
	dirs, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("blob store %s: listing blobs: %w", s.dir, err)
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			return fmt.Errorf("blob store %s: listing blobs: %w", s.dir, err)
		}
		for _, f := range files {
			id, err := ParseHex(d.Name() + f.Name())
			if err != nil || !f.Type().IsRegular() {
				continue
			}
			info, err := f.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return fmt.Errorf("blob store %s: listing blobs: %w", s.dir, err)
			}
			if err := fn(id, info.Size()); err != nil {
				return err
			}
		}
	}
	return nil
}

// sizeText formats n bytes for an error message: "64 MiB (67108864 bytes)",
// "17 bytes".
func sizeText(n int64) string {
	if n < 1024 {
		return humanSize(n)
	}
	return fmt.Sprintf("%s (%d bytes)", humanSize(n), n)
}

// humanSize formats n bytes for people: "64 MiB", "1.5 KiB", "17 bytes".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[i]
}
