package wire

// VillageDeclined answers POST /api/v1/villages/{id}/decline: the founding
// is declined; Dropped says whether the founder device's found log was
// deleted from this node (Entries, Bytes), which it is unless that log
// holds another village this account takes part in.
type VillageDeclined struct {
	Village string `json:"village"`
	Dropped bool   `json:"dropped"`
	Entries int    `json:"entries"`
	Bytes   int64  `json:"bytes"`
	// Invitation: an invitation was declined (its village logs dropped),
	// not a founding.
	Invitation bool `json:"invitation,omitempty"`
}
