package mcp

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/examples"
	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/web"
)

var (
	exOnce sync.Once
	exDir  string
	exErr  error
)

// examplesDB builds the embedded examples into a catalog once (as `ruledex
// build` does) and returns its path.
func examplesDB(t *testing.T) string {
	t.Helper()
	exOnce.Do(func() {
		exDir, exErr = os.MkdirTemp("", "ruledex-mcp-test-")
		if exErr != nil {
			return
		}
		src := filepath.Join(exDir, "examples")
		if exErr = os.CopyFS(src, examples.FS()); exErr != nil {
			return
		}
		_, exErr = build.Build(context.Background(), build.Options{DB: filepath.Join(exDir, "catalog.db"),
			Sources: []build.Source{{Name: "examples", Path: src}}})
	})
	if exErr != nil {
		t.Fatal(exErr)
	}
	return filepath.Join(exDir, "catalog.db")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if exDir != "" {
		os.RemoveAll(exDir)
	}
	os.Exit(code)
}

// session connects the SDK's own client to a server of the examples'
// catalog over the SDK's in-memory transport; log, when not nil, gets
// every JSON-RPC message exchanged.
func session(t *testing.T, log io.Writer) *sdk.ClientSession {
	t.Helper()
	cat, err := web.OpenStore(examplesDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, ct := sdk.NewInMemoryTransports()
	var clientT sdk.Transport = ct
	if log != nil {
		clientT = &sdk.LoggingTransport{Transport: ct, Writer: log}
	}
	ss, err := New(cat, "test").Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "ruledex-test", Version: "1"}, nil).Connect(ctx, clientT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and decodes its structured answer into out; it fails
// the test on a protocol error, and returns the result.
func call(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any, out any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: protocol error %v", name, args, err)
	}
	if res.IsError {
		if out != nil {
			t.Fatalf("%s %v: tool error %s", name, args, text(res))
		}
		return res
	}
	if out != nil {
		data, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s: %v in %s", name, err, data)
		}
	}
	return res
}

// text returns the text of a result's content.
func text(res *sdk.CallToolResult) string {
	s := ""
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			s += tc.Text
		}
	}
	return s
}
