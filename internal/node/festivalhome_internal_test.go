package node

import (
	"encoding/hex"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// TestFestivalHomeLogIDs pins the log ids of doc/network.md ("Festivals",
// "Homes") for the village id, log key and device 00 01 … 1f.
func TestFestivalHomeLogIDs(t *testing.T) {
	var b [32]byte
	for i := range b {
		b[i] = byte(i)
	}
	v := FestivalVillageLog(entry.ID(b))
	if got := hex.EncodeToString(v[:]); got != "ec5346358aa6985c51e907e1006a53ac9e584efa4e1af7ffe0c75397700dae92" {
		t.Errorf("FestivalVillageLog = %s", got)
	}
	s := FestivalSpaceLog(b, identity.PublicKey(b))
	if got := hex.EncodeToString(s[:]); got != "d11cc5958eb366c96e0921c6fb301be953a780431d54e2b4b211b19fa8660e89" {
		t.Errorf("FestivalSpaceLog = %s", got)
	}
}
