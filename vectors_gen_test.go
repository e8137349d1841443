package hmacgate_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestVectorsGenerator runs the vector generator in --check mode: every
// language it lists runs its sample over every case again, the README's
// connect-digest snippets run as written, all must agree byte for byte, the
// README must name exactly the languages checked, and testdata/vectors.json
// must be what they computed. A missing toolchain fails the test when
// HMACGATE_REQUIRE_SERVICES or HMACGATE_REQUIRE_TOOLCHAINS is set (CI sets
// the first; scripts/install-toolchains.sh installs them) and skips it
// otherwise: never a silent pass.
func TestVectorsGenerator(t *testing.T) {
	requireToolchain(t, "bash")
	requireToolchain(t, "python3")
	list, err := exec.Command("python3", "-B", "testdata/gen/generate.py", "--list").Output()
	if err != nil {
		t.Fatalf("generate.py --list: %v", err)
	}
	var langs []string
	for _, l := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		name, cmd, ok := strings.Cut(l, "\t")
		if !ok || cmd == "" {
			t.Fatalf("generate.py --list: bad line %q", l)
		}
		langs = append(langs, name)
		requireToolchain(t, strings.Fields(cmd)[0])
	}
	if len(langs) < 6 {
		t.Errorf("the generator lists %d languages, %v; want at least python, node, java, go, ruby and php", len(langs), langs)
	}
	if got := loadVectors(t).GeneratedBy; !slices.Equal(got, langs) {
		t.Errorf("vectors.json generated_by = %v; the generator lists %v", got, langs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "testdata/gen/generate.sh", "--check")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash testdata/gen/generate.sh --check: %v\n%s", err, out)
	}
	for _, name := range langs {
		if !strings.Contains(string(out), fmt.Sprintf("\n%s: ", name)) && !strings.HasPrefix(string(out), name+": ") {
			t.Errorf("the generator did not report running %s:\n%s", name, out)
		}
	}
	if !strings.Contains(string(out), "README snippets agree: ") {
		t.Errorf("the generator did not check the README's snippets:\n%s", out)
	}
}

// requireToolchain fails t when tool is not on PATH and
// HMACGATE_REQUIRE_SERVICES or HMACGATE_REQUIRE_TOOLCHAINS is set, and
// skips it otherwise.
func requireToolchain(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	if os.Getenv("HMACGATE_REQUIRE_SERVICES") != "" || os.Getenv("HMACGATE_REQUIRE_TOOLCHAINS") != "" {
		t.Fatalf("%s is required (HMACGATE_REQUIRE_SERVICES or HMACGATE_REQUIRE_TOOLCHAINS is set) but not on PATH; run bash scripts/install-toolchains.sh", tool)
	}
	t.Skipf("%s is not on PATH (run bash scripts/install-toolchains.sh; set HMACGATE_REQUIRE_TOOLCHAINS=1 to make this a failure)", tool)
}
