package netnode

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// netnsChildEnv names, in the environment of a test binary run inside a
// network namespace by runInNetNS, the test that runs its body there.
const netnsChildEnv = "KITH_TEST_NETNS_CHILD"

// inNetNS reports whether this process is the child runInNetNS started for
// the test named name.
func inNetNS(name string) bool { return os.Getenv(netnsChildEnv) == name }

// runInNetNS runs the test named name again, in this test binary, inside
// a new network namespace whose only interface is loopback (up, 127.0.0.1
// and ::1, no multicast), and fails the test if that run fails. It skips
// the test when namespaces cannot be made here (not root, no unshare).
func runInNetNS(t *testing.T, name string) {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skipf("skipped: no unshare command to make a network namespace with (util-linux): %v", err)
	}
	if out, err := exec.Command(unshare, "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot make a network namespace here (needs root or user namespaces): %v: %s", err, out)
	}
	cmd := exec.Command(unshare, "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsChildEnv+"="+name)
	out, err := cmd.CombinedOutput()
	t.Logf("in the namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the test failed inside the namespace: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("the test did not run inside the namespace")
	}
}
