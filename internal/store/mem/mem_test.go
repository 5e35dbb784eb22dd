package mem_test

import (
	"testing"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, c store.Clock) store.Store { return mem.New(mem.WithClock(c)) })
}
