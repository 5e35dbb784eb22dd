//go:build !race

package replicate

// raceBuild: the race detector slows signature checks about tenfold; the
// largest tests run smaller under it.
const raceBuild = false
