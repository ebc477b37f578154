package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
)

func TestAttackImportAndShow(t *testing.T) {
	bundle := filepath.Join("..", "..", "..", "shared", "attack", "enterprise-attack-18.1.json.gz")
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("MITRE's STIX bundle %s is absent: skipping", bundle)
	}
	out := filepath.Join(t.TempDir(), "sub", "attack.json")
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"attack", "import", bundle, "--out", out, "--version", "18.1"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "835 techniques (691 current)") {
		t.Errorf("import said %q", stdout.String())
	}
	tb, err := attack.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Version != "18.1" || len(tb.Techniques()) != 835 {
		t.Errorf("written table: version %q, %d techniques", tb.Version, len(tb.Techniques()))
	}
	stdout.Reset()
	code = Run(context.Background(), []string{"attack", "show", "T1086", "--attack", out}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "replaced by T1059.001") {
		t.Errorf("show: exit %d, %q", code, stdout.String())
	}
}

func TestAttackUsage(t *testing.T) {
	for _, args := range [][]string{{"attack"}, {"attack", "nope"}, {"attack", "import"}, {"attack", "show"}} {
		var stdout, stderr bytes.Buffer
		if code := Run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"attack", "show", "T9999"}, &stdout, &stderr); code != 1 {
		t.Errorf("show T9999: exit %d, want 1", code)
	}
}
