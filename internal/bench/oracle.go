package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/kqldiff"
	"github.com/ruledex/ruledex/internal/lang/kql"
)

// OracleFigures compare ruledex's KQL parser with Microsoft's
// (Kusto.Language, compiled to JavaScript, in node) on the same sample of
// the corpus's queries.
type OracleFigures struct {
	Skipped     string // why nothing was measured ("" when it was)
	Oracle      string // the kql-oracle script
	Package     string // the npm package and version
	Sample      int    // queries
	SampleBytes int64

	// Parse only, warm, one pass over the sample (median of the passes).
	Ruledex, RuledexCPU time.Duration
	RuledexPasses       int
	RuledexRejected     int // queries with a syntax error
	MS, MSCPU           time.Duration
	MSPasses            int
	MSInit              time.Duration // loading the library and the first parse (its grammar is built then)
	MSRejected          int
	MSSkipped           string // why the parse-only comparison did not run

	// The oracle as the differential test runs it, uncached: one node
	// process that parses and analyses every query and prints JSON.
	OracleRun     time.Duration
	OracleSample  int // queries of the sample it ran on (the run analyses too, and is slow)
	OracleFailed  int
	OracleSkipped string
	RuledexSum    time.Duration // kql.Parse and kql.Summarize, one pass (median)
}

// Ratio is how many times faster ruledex parses than Kusto.Language, warm,
// by wall time.
func (o OracleFigures) Ratio() float64 { return ratio(o.MS, o.Ruledex) }

// RatioCPU is the same by CPU time (0 when not measured).
func (o OracleFigures) RatioCPU() float64 { return ratio(o.MSCPU, o.RuledexCPU) }

func ratio(a, b time.Duration) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}

// FindOracle returns the kql-oracle script: env RULEDEX_KQL_ORACLE, else
// ../shared/tools/kql-oracle/kql-oracle relative to the working directory,
// else tools/kql-oracle/kql-oracle beside the corpus folder, else
// kql-oracle on PATH. node must be on PATH.
func FindOracle(corpus string) (string, error) {
	var cmd string
	if p := os.Getenv("RULEDEX_KQL_ORACLE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("RULEDEX_KQL_ORACLE=%s: %v", p, err)
		}
		cmd = p
	} else {
		for _, p := range []string{filepath.Join("..", "shared", "tools", "kql-oracle", "kql-oracle"),
			filepath.Join(corpus, "..", "tools", "kql-oracle", "kql-oracle")} {
			if _, err := os.Stat(p); err == nil {
				cmd = p
				break
			}
		}
		if cmd == "" {
			p, err := exec.LookPath("kql-oracle")
			if err != nil {
				return "", fmt.Errorf("no kql-oracle at ../shared/tools/kql-oracle/ nor on PATH (set RULEDEX_KQL_ORACLE)")
			}
			cmd = p
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node is not on PATH")
	}
	if abs, err := filepath.Abs(cmd); err == nil {
		cmd = abs
	}
	return cmd, nil
}

// sample returns n queries spread evenly over qs (all of them when fewer).
func sample(qs []string, n int) []string {
	if len(qs) <= n {
		return qs
	}
	out := make([]string, n)
	for i := range out {
		out[i] = qs[i*len(qs)/n]
	}
	return out
}

// toBytes returns each query as bytes, the form kql.Parse takes.
func toBytes(qs []string) [][]byte {
	out := make([][]byte, len(qs))
	for i, q := range qs {
		out[i] = []byte(q)
	}
	return out
}

func compareOracle(ctx context.Context, cfg Config, queries []string, tmp string, logf func(string, ...any)) OracleFigures {
	var o OracleFigures
	if len(queries) == 0 {
		o.Skipped = "skipped: the corpus has no KQL query"
		return o
	}
	cmd := cfg.Oracle
	if cmd == "" {
		var err error
		if cmd, err = FindOracle(cfg.Corpus); err != nil {
			o.Skipped = "skipped: " + err.Error()
			return o
		}
	}
	o.Oracle = cmd
	o.Package, _, _ = strings.Cut(kqldiff.OracleVersion(filepath.Dir(cmd)), "+")
	n := 300
	if cfg.Quick {
		n = 20
	}
	qs := sample(queries, n)
	o.Sample = len(qs)
	for _, q := range qs {
		o.SampleBytes += int64(len(q))
	}

	// ruledex, parse only, on one core.
	minTotal := time.Second
	if cfg.Quick {
		minTotal = 0
	}
	srcs := toBytes(qs) // converted once, outside the timing
	withOneProc(func() {
		for _, q := range srcs {
			if _, errs := kql.Parse(q); len(errs) > 0 {
				o.RuledexRejected++
			}
		}
		o.Ruledex, o.RuledexCPU, o.RuledexPasses = repeat(minTotal, func() {
			for _, q := range srcs {
				kql.Parse(q)
			}
		})
	})

	// The oracle as kqldiff runs it, without its cache (this also installs
	// its npm package on first use), on a third of the sample: it analyses
	// every query, which takes a minute or more on a busy machine.
	oqs := sample(qs, max(1, len(qs)/3))
	o.OracleSample = len(oqs)
	osrcs := toBytes(oqs)
	withOneProc(func() {
		o.RuledexSum, _, _ = repeat(minTotal, func() {
			for _, q := range osrcs {
				s, _ := kql.Parse(q)
				kql.Summarize(s)
			}
		})
	})
	logf("kql-oracle on %d queries, uncached", len(oqs))
	or := &kqldiff.Oracle{Command: cmd, Version: kqldiff.OracleVersion(filepath.Dir(cmd)), Stall: 2 * time.Minute}
	octx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	t0 := time.Now()
	answers, err := or.Analyze(octx, oqs)
	if err != nil {
		o.OracleSkipped = "failed: " + err.Error()
	} else {
		o.OracleRun = time.Since(t0)
		for _, a := range answers {
			if a.Failed != "" {
				o.OracleFailed++
			}
		}
	}

	// Kusto.Language's parser alone, in one node process, warm.
	logf("Kusto.Language parse only on %d queries", len(qs))
	o.MSSkipped = msParse(ctx, &o, qs, tmp, cfg.Quick)
	if o.MSSkipped != "" && o.OracleSkipped != "" {
		o.Skipped = "skipped: " + o.MSSkipped
	}
	return o
}

// msParseJS times Kusto.Language's parser (KustoCode.Parse, syntax only)
// over the queries of a JSON file: the first parse (which builds the
// grammar), one warm-up pass that counts the queries with syntax errors,
// then at least minPasses passes and until minMs have passed.
const msParseJS = `
require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = Kusto.Language;
const qs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const minMs = Number(process.argv[3]), minPasses = Number(process.argv[4]);
const now = () => Number(process.hrtime.bigint()) / 1e6;
let t = now();
const g = K.GlobalState.Default;
K.KustoCode.Parse(qs[0], g);
const init = now() - t;
let rejected = 0;
for (const q of qs) if (K.KustoCode.Parse(q, g).GetSyntaxDiagnostics().Count > 0) rejected++;
const passes = [], cpus = [];
let total = 0;
while (passes.length < Math.max(1, minPasses) || (total < minMs && passes.length < 100)) {
  t = now();
  const c = process.cpuUsage();
  for (const q of qs) K.KustoCode.Parse(q, g);
  const u = process.cpuUsage(c);
  const d = now() - t;
  passes.push(d);
  cpus.push((u.user + u.system) / 1000);
  total += d;
}
console.log(JSON.stringify({init_ms: init, passes_ms: passes, cpu_ms: cpus, rejected}));
`

// msParse runs msParseJS on qs and fills o's MS figures; it returns why it
// could not, "" when it did.
func msParse(ctx context.Context, o *OracleFigures, qs []string, tmp string, quick bool) string {
	home := os.Getenv("KQL_ORACLE_HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "no home folder to find the oracle's npm package in"
		}
		home = filepath.Join(h, ".cache", "kql-oracle")
	}
	mods := filepath.Join(home, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "@kusto", "language-service-next", "bridge.min.js")); err != nil {
		return "the oracle's npm package is not installed in " + home
	}
	script := filepath.Join(tmp, "kusto-parse.js")
	input := filepath.Join(tmp, "kusto-queries.json")
	b, err := json.Marshal(qs)
	if err != nil {
		return err.Error()
	}
	if err := os.WriteFile(script, []byte(msParseJS), 0o644); err != nil {
		return err.Error()
	}
	if err := os.WriteFile(input, b, 0o644); err != nil {
		return err.Error()
	}
	minMs, minPasses := "3000", "3"
	if quick {
		minMs, minPasses = "0", "1"
	}
	rctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(rctx, "node", script, input, minMs, minPasses)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("node: %v: %s", err, lastLines(stderr.String(), 3))
	}
	var out struct {
		InitMs   float64   `json:"init_ms"`
		PassesMs []float64 `json:"passes_ms"`
		CPUMs    []float64 `json:"cpu_ms"`
		Rejected int       `json:"rejected"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil || len(out.PassesMs) == 0 {
		return fmt.Sprintf("node printed no timings: %v: %.200s", err, stdout.String())
	}
	ms := func(v []float64) []time.Duration {
		ds := make([]time.Duration, len(v))
		for i, x := range v {
			ds[i] = time.Duration(x * float64(time.Millisecond))
		}
		return ds
	}
	ds := ms(out.PassesMs)
	o.MS, o.MSCPU = median(ds), median(ms(out.CPUMs))
	o.MSPasses = len(ds)
	o.MSInit = time.Duration(out.InitMs * float64(time.Millisecond))
	o.MSRejected = out.Rejected
	return ""
}
