package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

// AddBlob uploads the bytes read from r as a blob; with publish, the node
// removes location metadata from JPEG and PNG images first.
func (c *Client) AddBlob(ctx context.Context, r io.Reader, publish bool) (wire.BlobAdded, error) {
	var query url.Values
	if publish {
		query = url.Values{"publish": {"true"}}
	}
	req, err := c.request(ctx, http.MethodPost, "/api/v1/blobs", query, r)
	if err != nil {
		return wire.BlobAdded{}, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return wire.BlobAdded{}, err
	}
	defer resp.Body.Close()
	var v wire.BlobAdded
	return v, decodeJSON(resp.Body, &v, "the answer to POST /api/v1/blobs")
}

// OpenBlob returns a reader of a blob and its size. The reader checks the
// size and hash of what arrives and fails at the end if they are wrong.
func (c *Client) OpenBlob(ctx context.Context, idText string) (io.ReadCloser, int64, error) {
	id, err := blob.ParseID(idText)
	if err != nil {
		return nil, 0, &wire.Error{Code: wire.CodeBadRequest, Message: "blob: " + err.Error()}
	}
	req, err := c.request(ctx, http.MethodGet, "/api/v1/blobs/"+seg(idText), nil, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return nil, 0, err
	}
	if resp.ContentLength < 0 {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("the node sent blob %s without its size", id)
	}
	return &verifyingBody{rc: resp.Body, id: id, size: resp.ContentLength, h: sha256.New()}, resp.ContentLength, nil
}

// verifyingBody reads a blob's bytes and checks their size and hash at the
// end.
type verifyingBody struct {
	rc   io.ReadCloser
	id   blob.ID
	size int64
	n    int64
	h    hash.Hash
	err  error
}

func (v *verifyingBody) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case err == io.EOF:
		if got := blob.ID(v.h.Sum(nil)); v.n != v.size || got != v.id {
			err = fmt.Errorf("blob %s arrived damaged: %d bytes hashing to %s, want %d bytes hashing to %s", v.id, v.n, got.Hex(), v.size, v.id.Hex())
		}
		v.err = err
	case err != nil:
		err = fmt.Errorf("blob %s: the transfer broke off after %d of %d bytes: %w", v.id, v.n, v.size, err)
		v.err = err
	}
	return n, err
}

func (v *verifyingBody) Close() error { return v.rc.Close() }

// Export writes a bundle of the given accounts' logs (everything held when
// there are none) to w. progress, when not nil, is called as bytes arrive,
// with Bytes set (the node's counts come at the end).
func (c *Client) Export(ctx context.Context, w io.Writer, accounts []string, progress func(wire.ExportStats)) (wire.ExportStats, error) {
	var query url.Values
	if len(accounts) > 0 {
		query = url.Values{"account": accounts}
	}
	req, err := c.request(ctx, http.MethodGet, "/api/v1/export", query, nil)
	if err != nil {
		return wire.ExportStats{}, err
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return wire.ExportStats{}, err
	}
	defer resp.Body.Close()
	var got int64
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return wire.ExportStats{Bytes: got}, werr
			}
			got += int64(n)
			if progress != nil {
				progress(wire.ExportStats{Bytes: got})
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return wire.ExportStats{Bytes: got}, fmt.Errorf("the export broke off after %d bytes: %w", got, rerr)
		}
	}
	return exportOutcome(resp.Trailer, got)
}

// exportOutcome reads the trailers that end an export of got bytes.
func exportOutcome(trailer http.Header, got int64) (wire.ExportStats, error) {
	if t := trailer.Get(wire.ExportErrorTrailer); t != "" {
		var e wire.Error
		if err := json.Unmarshal([]byte(t), &e); err != nil || e.Code == "" {
			return wire.ExportStats{Bytes: got}, fmt.Errorf("the export failed; the node's report is unreadable: %q", t)
		}
		return wire.ExportStats{Bytes: got}, &e
	}
	t := trailer.Get(wire.ExportStatsTrailer)
	if t == "" {
		return wire.ExportStats{Bytes: got}, errors.New("the export ended without the node's final report; the bundle may be incomplete")
	}
	var st wire.ExportStats
	if err := json.Unmarshal([]byte(t), &st); err != nil {
		return wire.ExportStats{Bytes: got}, fmt.Errorf("the node's final report of the export is unreadable: %q", t)
	}
	if st.Bytes != got {
		return st, fmt.Errorf("the node wrote a bundle of %d bytes but %d arrived", st.Bytes, got)
	}
	return st, nil
}

// Import sends a bundle read from r to the node, which verifies and stores
// what is valid. progress, when not nil, is called with each progress line
// of the answer. An error that stopped the import comes with the stats of
// what was stored before it.
func (c *Client) Import(ctx context.Context, r io.Reader, progress func(wire.ImportStats)) (wire.ImportStats, error) {
	req, err := c.request(ctx, http.MethodPost, "/api/v1/import", nil, r)
	if err != nil {
		return wire.ImportStats{}, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return wire.ImportStats{}, err
	}
	defer resp.Body.Close()
	return readImportAnswer(resp.Body, progress)
}

// readImportAnswer reads the NDJSON answer of an import: progress lines,
// then the final line. Lines are at most wire.MaxImportLine bytes.
func readImportAnswer(r io.Reader, progress func(wire.ImportStats)) (wire.ImportStats, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br, wire.MaxImportLine)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return wire.ImportStats{}, errors.New("the node's answer to the import ended before its result; the import may have stopped")
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return wire.ImportStats{}, fmt.Errorf("line %d of the node's answer to the import: %w", n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l wire.ImportLine
		if uerr := json.Unmarshal(line, &l); uerr != nil {
			return wire.ImportStats{}, fmt.Errorf("line %d of the node's answer to the import is not JSON: %v", n, uerr)
		}
		switch {
		case l.Result != nil:
			if l.Error != nil {
				return *l.Result, l.Error
			}
			return *l.Result, nil
		case l.Progress != nil:
			if progress != nil {
				progress(*l.Progress)
			}
		case l.Error != nil:
			return wire.ImportStats{}, l.Error
		default:
			return wire.ImportStats{}, fmt.Errorf("line %d of the node's answer to the import has no progress, result or error", n)
		}
	}
}

// readLine reads one line without its '\n', failing if it is longer than
// max bytes. At the end of r it returns what is left with io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max+1 {
			return nil, fmt.Errorf("a line is longer than %d bytes", max)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, err
		}
	}
}
