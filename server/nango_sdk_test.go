package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
)

// nangoInterop is the folder of the Nango SDK suite: the real packages,
// pinned in its package-lock.json and installed by `make interop` (npm ci).
var nangoInterop = filepath.Join("..", "interop", "nango")

// needNangoSDKs returns the node binary, after checking that the pinned
// packages are installed. Without them the test skips, or fails under
// HMACGATE_REQUIRE_SERVICES=1 (CI), which `make test` installs them for.
func needNangoSDKs(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node (Node 20)", err)
	}
	for _, pkg := range []string{"@nangohq/frontend", "@nangohq/node"} {
		if _, err := os.Stat(filepath.Join(nangoInterop, "node_modules", pkg, "package.json")); err != nil {
			testenv.Unavailable(t, "npm package "+pkg+" in interop/nango (run make interop)", err)
		}
	}
	return node
}

// TestNangoSDKs runs interop/nango/sdk.test.mjs, Nango's own frontend and
// node SDKs, unmodified, against this server with host set to …/nango.
func TestNangoSDKs(t *testing.T) {
	node := needNangoSDKs(t)
	ts := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "sdk.test.mjs")
	cmd.Dir = nangoInterop
	cmd.Env = append(os.Environ(), "HMACGATE_URL="+ts.base, "HMACGATE_ADMIN_TOKEN="+ts.admin, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test sdk.test.mjs: %v\n%s", err, out)
	}
	t.Logf("node --test sdk.test.mjs:\n%s", out)
}
