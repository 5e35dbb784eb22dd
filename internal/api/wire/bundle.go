package wire

// ExportStats counts what an export wrote. GET /api/v1/export sends it in
// the ExportStatsTrailer once the bundle is complete.
type ExportStats struct {
	Logs         int   `json:"logs"`
	Entries      int   `json:"entries"`
	Blobs        int   `json:"blobs"`
	BlobsMissing int   `json:"blobs_missing"` // referenced, but not held
	Bytes        int64 `json:"bytes"`
}

// The trailers of GET /api/v1/export. A complete export ends with
// ExportStatsTrailer (ExportStats as JSON); one that failed after the
// bundle started ends with ExportErrorTrailer (an Error as JSON) instead,
// and the bundle is incomplete. Both hold ASCII JSON.
const (
	ExportStatsTrailer = "Kith-Export-Stats"
	ExportErrorTrailer = "Kith-Export-Error"
)

// Rejection is one entry or blob an import refused.
type Rejection struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// ImportStats counts what an import did.
type ImportStats struct {
	EntriesNew      int         `json:"entries_new"`
	EntriesKnown    int         `json:"entries_known"`
	EntriesForked   int         `json:"entries_forked"`
	EntriesRejected int         `json:"entries_rejected"`
	PayloadsRefused int         `json:"payloads_refused"`
	BlobsNew        int         `json:"blobs_new"`
	BlobsKnown      int         `json:"blobs_known"`
	BlobsRejected   int         `json:"blobs_rejected"`
	Bytes           int64       `json:"bytes_read"`
	Rejections      []Rejection `json:"rejections,omitempty"`
}

// ImportLine is one line of the NDJSON answer of POST /api/v1/import: zero
// or more progress lines, then one final line with Result, and Error when
// the import stopped early (what Result counts was stored all the same).
type ImportLine struct {
	Progress *ImportStats `json:"progress,omitempty"`
	Result   *ImportStats `json:"result,omitempty"`
	Error    *Error       `json:"error,omitempty"`
}

// MaxImportLine bounds one line of an import answer, in bytes.
const MaxImportLine = 1 << 20
