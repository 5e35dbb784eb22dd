package wire

// HubReport is GET /api/v1/hub/report: what this node does for others,
// for its operator (doc/api.md, "Hub report").
type HubReport struct {
	// Serving: the network runs; without it the counts are zero.
	Serving bool `json:"serving"`
	// Hub: [hub] on; Serve whom ("everyone", "locals", "accounts"),
	// Accounts the accounts served with "accounts".
	Hub      bool     `json:"hub"`
	Serve    string   `json:"serve"`
	Accounts []string `json:"accounts"`
	// Offered: the services announced to the peers served.
	Offered []string  `json:"offered"`
	Limits  HubLimits `json:"limits"`
	// MetricsAddr: where /metrics is served (metrics_listen), if it is.
	MetricsAddr string       `json:"metrics_addr,omitempty"`
	Peers       HubPeers     `json:"peers"`
	Sync        HubSync      `json:"sync"`
	Relay       HubRelay     `json:"relay"`
	Uses        []HubCount   `json:"uses"`
	Refusals    []HubCount   `json:"refusals"`
	Expiries    []HubCount   `json:"expiries"`
	Gauges      []HubGauge   `json:"gauges"`
	Strangers   HubStrangers `json:"strangers"`
}

// HubLimits are the [hub] table's limits and the strangers' budget.
type HubLimits struct {
	RelayMinutes     int `json:"relay_minutes"`
	RelayMB          int `json:"relay_mb"`
	RelayConnections int `json:"relay_connections"`
	RelaySlots       int `json:"relay_slots"`
	HeadsLogs        int `json:"heads_logs"`
	StrangerWork     int `json:"stranger_work"`
}

// HubPeers are the connected peers by who dialled and path.
type HubPeers struct {
	InDirect   int `json:"in_direct"`
	InRelayed  int `json:"in_relayed"`
	OutDirect  int `json:"out_direct"`
	OutRelayed int `json:"out_relayed"`
}

// HubSync are the sync sessions now and since the network started.
type HubSync struct {
	Sessions    int   `json:"sessions"`
	Live        int   `json:"live"`
	SessionsRun int64 `json:"sessions_run"`
	EntriesIn   int64 `json:"entries_in"`
	EntriesOut  int64 `json:"entries_out"`
	BytesIn     int64 `json:"bytes_in"`
	BytesOut    int64 `json:"bytes_out"`
}

// HubRelay is the relay service: slots and relayed connections now, and
// counts since the start.
type HubRelay struct {
	On             bool  `json:"on"`
	Slots          int64 `json:"slots"`
	Circuits       int64 `json:"circuits"`
	SlotsGiven     int64 `json:"slots_given"`
	SlotsRenewed   int64 `json:"slots_renewed"`
	SlotsEnded     int64 `json:"slots_ended"`
	CircuitsOpened int64 `json:"circuits_opened"`
	Bytes          int64 `json:"bytes"`
}

// HubCount is one counter: a service and the kind of use, or the reason
// of a refusal.
type HubCount struct {
	Service string `json:"service"`
	What    string `json:"what"`
	N       uint64 `json:"n"`
}

// HubGauge is a gauge a service registered.
type HubGauge struct {
	Name  string  `json:"name"`
	Help  string  `json:"help"`
	Value float64 `json:"value"`
}

// HubStrangers are the strangers' connections and budgets.
type HubStrangers struct {
	Connections StrangerConnections `json:"connections"`
	Sessions    StrangerWork        `json:"sessions"`
	Requests    StrangerWork        `json:"requests"`
}
