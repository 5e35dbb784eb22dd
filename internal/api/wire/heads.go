package wire

// HubHeadsRequest is the body of POST /api/v1/hub/heads: ask a hub for
// the heads of logs (doc/protocol/services.md §6).
type HubHeadsRequest struct {
	Hub string `json:"hub"` // the hub's device, dev_…
	// Logs are AUTHOR/LOG (dev_…/log_…), at most MaxHubHeadsLogs; none:
	// every log this node holds (the first MaxHubHeadsLogs of them).
	Logs []string `json:"logs,omitempty"`
}

// MaxHubHeadsLogs bounds HubHeadsRequest.Logs.
const MaxHubHeadsLogs = 1024

// HubHead is what a hub holds of one log, beside what this node holds.
type HubHead struct {
	Author string `json:"author"`           // dev_…
	Log    string `json:"log"`              // log_…
	HubSeq uint64 `json:"hub_seq"`          // 0: the hub holds nothing of it
	HubID  string `json:"hub_id,omitempty"` // ent_… at HubSeq
	Forked bool   `json:"forked,omitempty"` // as the hub holds it
	Ended  bool   `json:"ended,omitempty"`  // as the hub holds it
	Seq    uint64 `json:"seq"`              // this node's highest seq
	Behind bool   `json:"behind"`           // HubSeq > Seq: entries to fetch
}

// HubHeads answers POST /api/v1/hub/heads.
type HubHeads struct {
	Hub    string    `json:"hub"`
	Heads  []HubHead `json:"heads"`
	Behind int       `json:"behind"` // logs with Behind
}
