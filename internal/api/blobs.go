package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

func (s *Server) addBlob(w http.ResponseWriter, r *http.Request, q url.Values) error {
	publish, err := boolParam(q, "publish")
	if err != nil {
		return err
	}
	if max := s.n.Blobs().MaxSize(); r.ContentLength > max {
		return fmt.Errorf("upload: %w", &blob.TooLargeError{Limit: max, Size: r.ContentLength})
	}
	v, err := s.svc.AddBlob(r.Context(), r.Body, publish)
	return respond(w, v, err)
}

// sniffLen is how many bytes content-type sniffing looks at.
const sniffLen = 512

// getBlob sends a blob. A whole blob is streamed through a reader that
// checks its hash and holds back the last byte until the hash matched, so a
// blob damaged on disk arrives short (the connection is cut) rather than
// complete and wrong. A range request (http.ServeContent) verifies the whole
// blob first. The Content-Type is sniffed from the first bytes, but only
// media types that browsers do not run (images, audio, video, plain text)
// are named; anything else is application/octet-stream, and a sandboxing
// Content-Security-Policy goes with every blob.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	id, err := parseBlobID("blob", r.PathValue("id"))
	if err != nil {
		return err
	}
	notHeld := apiError(wire.CodeNotFound, "blob %s is not held here", id)
	if r.Header.Get("Range") != "" {
		if err := s.n.Blobs().Verify(id); err != nil {
			if errors.Is(err, blob.ErrNotFound) {
				return notHeld
			}
			return err
		}
		f, _, err := s.n.Blobs().OpenFile(id)
		if err != nil {
			if errors.Is(err, blob.ErrNotFound) {
				return notHeld
			}
			return err
		}
		defer f.Close()
		head := make([]byte, sniffLen)
		n, _ := io.ReadFull(f, head)
		setBlobHeaders(w.Header(), id, head[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		http.ServeContent(w, r, "", time.Time{}, f) // no Last-Modified: the ETag says it all
		return nil
	}
	rc, size, err := s.n.Blobs().Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return notHeld
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	if size == 0 && id != blob.Sum(nil) {
		return &blob.CorruptError{ID: id, Path: s.n.Blobs().Path(id), Got: blob.Sum(nil)}
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	head, _ := br.Peek(sniffLen)
	h := w.Header()
	setBlobHeaders(h, id, head)
	if etagMatches(r.Header.Get("If-None-Match"), id) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Accept-Ranges", "bytes")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if err := copyHoldingLast(w, br); err != nil {
		s.log.Error("blob not sent in full", "blob", id.String(), "err", err)
		panic(http.ErrAbortHandler) // the client sees a short body, not a wrong one
	}
	return nil
}

// setBlobHeaders sets the headers of a blob answer: its sniffed type, its
// ETag (the hash), a sandbox for browsers, and caching (a blob never
// changes).
func setBlobHeaders(h http.Header, id blob.ID, head []byte) {
	h.Set("Content-Type", safeContentType(head))
	h.Set("ETag", `"`+id.Hex()+`"`)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
}

// copyHoldingLast copies r to w but writes the last byte only once r has
// ended without error.
func copyHoldingLast(w io.Writer, r io.Reader) error {
	buf := make([]byte, 64<<10)
	var last [1]byte
	holding := false
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if holding {
				if _, werr := w.Write(last[:]); werr != nil {
					return werr
				}
			}
			if _, werr := w.Write(buf[:n-1]); werr != nil {
				return werr
			}
			last[0], holding = buf[n-1], true
		}
		if err == io.EOF {
			if holding {
				_, werr := w.Write(last[:])
				return werr
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// etagMatches reports whether an If-None-Match header names the blob.
func etagMatches(header string, id blob.ID) bool {
	if header == "" {
		return false
	}
	want := `"` + id.Hex() + `"`
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// safeContentType sniffs a blob's media type from its first bytes and
// names it only if browsers display it without running it.
func safeContentType(head []byte) string {
	ct := http.DetectContentType(head)
	mt, _, _ := strings.Cut(ct, ";")
	switch {
	case mt == "text/plain":
		return ct
	case mt == "image/svg+xml":
		return "application/octet-stream"
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return mt
	}
	return "application/octet-stream"
}
