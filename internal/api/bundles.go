package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/api/wire"
)

// export streams a bundle. Nothing is sent before the first byte of the
// bundle, so a bad account is still a JSON error; after it, the outcome
// comes in a trailer (wire.ExportStatsTrailer or wire.ExportErrorTrailer).
func (s *Server) export(w http.ResponseWriter, r *http.Request, q url.Values) error {
	w.Header().Set("Trailer", wire.ExportStatsTrailer+", "+wire.ExportErrorTrailer)
	lw := &lazyWriter{w: w, start: func() {
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", `attachment; filename="kith-`+time.Now().UTC().Format("20060102-150405")+`.kithbundle"`)
		w.WriteHeader(http.StatusOK)
	}}
	bw := bufio.NewWriterSize(lw, 64<<10)
	st, err := s.svc.Export(r.Context(), bw, q["account"], nil)
	if err == nil {
		err = bw.Flush()
	}
	if !lw.started {
		if err != nil {
			w.Header().Del("Trailer")
			return err
		}
		lw.begin()
	}
	if err != nil {
		e := ErrorOf(err)
		s.log.Warn("export failed after it started", "code", e.Code, "err", e.Message)
		w.Header().Set(wire.ExportErrorTrailer, asciiJSON(e))
		return nil
	}
	w.Header().Set(wire.ExportStatsTrailer, asciiJSON(st))
	return nil
}

// importBundle reads a bundle from the request body while it answers with
// NDJSON: a progress line per batch stored, then the final line.
func (s *Server) importBundle(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	rc := http.NewResponseController(w)
	// Answer while the bundle is still coming in. HTTP/2 does so anyway
	// and does not implement this.
	_ = rc.EnableFullDuplex()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	var mu sync.Mutex
	send := func(line wire.ImportLine) {
		b, err := json.Marshal(line)
		if err != nil {
			b = []byte(`{"error":{"code":"failed","message":"cannot encode an import line"}}`)
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(append(b, '\n'))
		_ = rc.Flush()
	}
	st, err := s.svc.Import(r.Context(), r.Body, func(p wire.ImportStats) { send(wire.ImportLine{Progress: &p}) })
	final := wire.ImportLine{Result: &st}
	if err != nil {
		final.Error = ErrorOf(err)
		s.log.Info("import stopped early", "code", final.Error.Code, "err", final.Error.Message, "entries_new", st.EntriesNew)
	}
	send(final)
	finishUpload(r.Body)
	return nil
}

// drainLimit bounds what finishUpload reads of an upload the handler no
// longer needs.
const drainLimit = 16 << 20

// finishUpload reads what is left of a request body (up to drainLimit
// bytes) and closes it, before the handler returns. An import may stop
// long before the upload ends (a photo is no bundle: it stops after 10
// bytes). In full-duplex mode net/http leaves the rest to its own clean-up
// after the handler, which reads it to the end and then, while reading the
// next request on the connection, panics with "invalid concurrent
// Body.Read call" (the end of the body started a background read that
// nothing stops any more). Read here, that background read is stopped as
// usual. The client sending the upload gets to finish it and reads the
// answer; an upload longer than drainLimit is cut off by closing the
// connection once the answer is sent.
func finishUpload(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// lazyWriter sends the answer's header on the first write.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (l *lazyWriter) begin() {
	if !l.started {
		l.started = true
		l.start()
	}
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.begin()
	return l.w.Write(p)
}

// asciiJSON encodes v as JSON in ASCII only (other characters as \u
// escapes), fit for a header or trailer value.
func asciiJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"code":"failed","message":"cannot encode the value"}`)
	}
	var sb strings.Builder
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
	}
	return sb.String()
}
