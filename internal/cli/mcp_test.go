package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPCommand runs `ruledex mcp` (the embedded examples, then --db of
// a catalog built by `ruledex build`) and talks to it with the SDK's client
// over its standard input and output. With RULEDEX_MCP_TRANSCRIPT=FILE it
// writes the JSON-RPC messages of a session (search, get, coverage) to
// FILE: the transcript of README's "MCP server".
func TestMCPCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "catalog.db")
	var errb bytes.Buffer
	if code := Run(context.Background(), []string{"build", "--db", db, filepath.Join(moduleRoot(t), "examples")}, io.Discard, &errb); code != 0 {
		t.Fatalf("build: %d %s", code, errb.String())
	}
	for _, args := range [][]string{{"mcp"}, {"mcp", "--db", db}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var log bytes.Buffer
			// The examples' session speaks 2025-11-25 (initialize, as
			// assistants do today), the --db one the SDK's latest version.
			version := ""
			if len(args) == 1 {
				version = "2025-11-25"
			}
			cs, stderr, done := startMCP(t, args, version, &log)
			ctx := context.Background()
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "search_rules", Arguments: map[string]any{"query": "certutil", "facets": []string{"kind=detection"}, "per_page": 2}})
			if err != nil || res.IsError {
				t.Fatalf("search_rules: %v %v", err, res)
			}
			var found struct {
				Total int `json:"total"`
				Hits  []struct {
					ID string `json:"id"`
				} `json:"hits"`
			}
			data, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(data, &found)
			if found.Total < 3 || len(found.Hits) != 2 { // the Sigma, Elastic and YARA-L certutil detections
				t.Fatalf("search_rules certutil: %s", data)
			}
			res, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "get_rule", Arguments: map[string]any{"id": found.Hits[0].ID,
				"fields": []string{"title", "language", "techniques", "same_action"}}})
			if err != nil || res.IsError {
				t.Fatalf("get_rule: %v %v", err, res)
			}
			res, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "attack_coverage", Arguments: map[string]any{"tactic": "persistence", "max": 3}})
			if err != nil || res.IsError {
				t.Fatalf("attack_coverage: %v %v", err, res)
			}
			if err := cs.Close(); err != nil {
				t.Fatal(err)
			}
			if code := <-done; code != 0 {
				t.Fatalf("ruledex %s ended with %d: %s", strings.Join(args, " "), code, stderr)
			}
			if len(args) == 1 && !strings.Contains(stderr.String(), "temporary catalog") {
				t.Errorf("ruledex mcp said nothing of the catalog it built on standard error: %q", stderr)
			}
			if p := os.Getenv("RULEDEX_MCP_TRANSCRIPT"); p != "" && len(args) == 1 {
				if err := os.WriteFile(p, log.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	var errOut bytes.Buffer
	if code := Run(context.Background(), []string{"mcp", "--db", filepath.Join(dir, "none.db")}, io.Discard, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "ruledex build") {
		t.Errorf("mcp --db of no file: %d %q", code, errOut.String())
	}
}

// startMCP runs ruledex with args, speaking the protocol version given
// ("" the latest), its standard input and output piped to
// an SDK client (the messages logged to log), and returns the client
// session, the command's standard error and its exit code when it ends.
func startMCP(t *testing.T, args []string, version string, log io.Writer) (*sdk.ClientSession, *syncBuffer, <-chan int) {
	t.Helper()
	inR, inW := io.Pipe()   // client → command
	outR, outW := io.Pipe() // command → client
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := RunIO(context.Background(), args, inR, outW, stderr)
		outW.Close()
		done <- code
	}()
	tr := &sdk.LoggingTransport{Transport: &sdk.IOTransport{Reader: outR, Writer: inW}, Writer: log}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "transcript", Version: "1"}, nil).Connect(context.Background(), tr,
		&sdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect: %v; stderr %s", err, stderr)
	}
	return cs, stderr, done
}
