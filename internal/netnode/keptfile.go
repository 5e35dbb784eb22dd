package netnode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kithnet/kith/internal/atomicfile"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/identity"
)

// The kept-peers file: which peers to keep connected, and where to find
// them. It lives at DataDir/kept-peers.json (see doc/network.md).
const (
	keptPeersFile    = "kept-peers.json"
	keptPeersFormat  = "kith-kept-peers"
	keptPeersVersion = 1
	maxKeptFileSize  = 1 << 20
	maxKeptPeers     = 1024
	maxKeptAddrs     = 16 // per list, per peer
)

// keptPeersPath is where the kept peers of dataDir are stored, or "" when
// there is no data directory.
func keptPeersPath(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, keptPeersFile)
}

// keptRecord is one kept peer as stored.
type keptRecord struct {
	key     identity.PublicKey
	addrs   []string // given to Keep, newest first; transport addresses
	learned []string // the peer's addresses last seen while connected
}

type keptFileJSON struct {
	Format  string           `json:"format"`
	Version int              `json:"version"`
	Peers   []keptRecordJSON `json:"peers"`
}

type keptRecordJSON struct {
	Device  string   `json:"device"`
	Addrs   []string `json:"addrs,omitempty"`
	Learned []string `json:"learned,omitempty"`
}

// encodeKeptPeers returns the file for recs, sorted by device id so that
// the same set always gives the same bytes.
func encodeKeptPeers(recs []keptRecord) ([]byte, error) {
	doc := keptFileJSON{Format: keptPeersFormat, Version: keptPeersVersion, Peers: []keptRecordJSON{}}
	for _, r := range recs {
		doc.Peers = append(doc.Peers, keptRecordJSON{Device: r.key.Device().String(), Addrs: r.addrs, Learned: r.learned})
	}
	slices.SortFunc(doc.Peers, func(a, b keptRecordJSON) int { return strings.Compare(a.Device, b.Device) })
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// decodeKeptPeers parses and checks a kept-peers file. The bytes come from
// disk and may be damaged: it never panics and bounds every count.
func decodeKeptPeers(data []byte) ([]keptRecord, error) {
	if len(data) > maxKeptFileSize {
		return nil, fmt.Errorf("the file has %d bytes, more than the %d allowed", len(data), maxKeptFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc keptFileJSON
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a kept-peers file: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a kept-peers file: data after the JSON document")
	}
	if doc.Format != keptPeersFormat {
		return nil, fmt.Errorf("format is %q, want %q", doc.Format, keptPeersFormat)
	}
	if doc.Version != keptPeersVersion {
		return nil, fmt.Errorf("version %d is not supported (want %d)", doc.Version, keptPeersVersion)
	}
	if len(doc.Peers) > maxKeptPeers {
		return nil, fmt.Errorf("%d peers, more than the %d allowed", len(doc.Peers), maxKeptPeers)
	}
	recs := make([]keptRecord, 0, len(doc.Peers))
	seen := make(map[identity.PublicKey]bool, len(doc.Peers))
	for i, p := range doc.Peers {
		dev, err := identity.ParseDevice(p.Device)
		if err != nil {
			return nil, fmt.Errorf("peer %d: %w", i+1, err)
		}
		key := dev.Key()
		if seen[key] {
			return nil, fmt.Errorf("peer %d: %s is listed twice", i+1, p.Device)
		}
		seen[key] = true
		if err := checkKeptAddrs(p.Addrs); err != nil {
			return nil, fmt.Errorf("peer %d (%s): addrs: %w", i+1, p.Device, err)
		}
		if err := checkKeptAddrs(p.Learned); err != nil {
			return nil, fmt.Errorf("peer %d (%s): learned: %w", i+1, p.Device, err)
		}
		recs = append(recs, keptRecord{key: key, addrs: p.Addrs, learned: p.Learned})
	}
	return recs, nil
}

// checkKeptAddrs checks a stored address list: bounded, and every entry a
// transport multiaddr.
func checkKeptAddrs(addrs []string) error {
	if len(addrs) > maxKeptAddrs {
		return fmt.Errorf("%d addresses, more than the %d allowed", len(addrs), maxKeptAddrs)
	}
	for j, a := range addrs {
		if _, err := parseAddr(a); err != nil {
			return fmt.Errorf("address %d: %w", j+1, err)
		}
	}
	return nil
}

// readKeptPeers reads the kept-peers file at path; a missing file is an
// empty list.
func readKeptPeers(path string) ([]keptRecord, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netnode: reading kept peers: %w", err)
	}
	defer f.Close()
	data, err := readAtMost(f, maxKeptFileSize+1)
	if err != nil {
		return nil, fmt.Errorf("netnode: reading kept peers from %s: %w", path, err)
	}
	recs, err := decodeKeptPeers(data)
	if err != nil {
		return nil, fmt.Errorf("netnode: kept peers in %s (fix or remove the file): %w", path, err)
	}
	return recs, nil
}

// writeKeptPeers replaces the file at path with recs, atomically: a
// temporary file in the same directory, synced, renamed over path, and the
// directory synced.
func writeKeptPeers(path string, recs []keptRecord) error {
	data, err := encodeKeptPeers(recs)
	if err != nil {
		return fmt.Errorf("netnode: encoding kept peers: %w", err)
	}
	if err := atomicfile.WritePrivate(path, data); err != nil {
		return fmt.Errorf("netnode: writing kept peers to %s: %w", path, err)
	}
	return nil
}
