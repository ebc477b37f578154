package bench

import (
	"sort"
	"time"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
)

// Throughput is one language's parsing speed on one core.
type Throughput struct {
	Language string        // rule language (lang.Language.Name); "" for files that gave no rule
	Stage    string        // what was timed
	Files    int           // files (0 when the unit is a query text)
	Rules    int           // rules (or queries) per pass
	Bytes    int64         // input bytes per pass
	Wall     time.Duration // one pass (the median when there were several)
	CPU      time.Duration // the process's CPU time in one pass (median); 0 where not measured
	Passes   int
}

// Time is the time of one pass the throughput is computed on: CPU time
// (with GOMAXPROCS 1, time on one core, whatever else the machine runs)
// where measured, else wall time.
func (t Throughput) Time() time.Duration {
	if t.CPU > 0 {
		return t.CPU
	}
	return t.Wall
}

// MBps is the throughput in megabytes (10^6 bytes) per second of Time.
func (t Throughput) MBps() float64 {
	if t.Time() <= 0 {
		return 0
	}
	return float64(t.Bytes) / 1e6 / t.Time().Seconds()
}

// RulesPerSec is the throughput in rules per second of Time.
func (t Throughput) RulesPerSec() float64 {
	if t.Time() <= 0 {
		return 0
	}
	return float64(t.Rules) / t.Time().Seconds()
}

// Stages of the parse table.
const (
	StageRead   = "read+lower (ingest.ReadData)"
	StageNoRule = "read, no rule (format detection)"
	StageParse  = "parse (front end alone)"
)

type parseResult struct {
	rows     []Throughput
	cpuRatio float64
	kql      []string // every KQL query of the corpus, in file order (for the oracle comparison)
}

// measureParse times, with GOMAXPROCS 1: every file read and lowered as a
// build reads it (ingest.ReadData, from memory), grouped by the language of
// its rules; then, for every registered language with a parser, its front
// end alone (lang.Language.Parse) over every query (or file) of that
// language the corpus held.
func measureParse(files []file, quick bool) parseResult {
	var res parseResult
	minTotal := 2 * time.Second
	if quick {
		minTotal = 0
	}
	type unit struct {
		inputs [][]byte
		files  int
		rules  int
	}
	units := map[string]*unit{}
	withOneProc(func() {
		// Warm up: lazy tables (ATT&CK, actions) load on first use.
		for i := 0; i < len(files); i += max(1, len(files)/100) {
			ingest.ReadData(files[i].repo, files[i].path, files[i].abs, files[i].data, "")
		}
		t0, cpu0 := time.Now(), processCPU()
		defer func() {
			if wall := time.Since(t0); wall > 0 {
				res.cpuRatio = (processCPU() - cpu0).Seconds() / wall.Seconds()
			}
		}()
		byLang := map[string]*Throughput{}
		for _, f := range files {
			s, c := time.Now(), processCPU()
			fr := ingest.ReadData(f.repo, f.path, f.abs, f.data, "")
			d, dc := time.Since(s), processCPU()-c
			name := ""
			if len(fr.Rules) > 0 {
				name = fr.Rules[0].Language
			}
			t := byLang[name]
			if t == nil {
				t = &Throughput{Language: name, Stage: StageRead, Passes: 1}
				if name == "" {
					t.Stage = StageNoRule
				}
				byLang[name] = t
			}
			t.Files++
			t.Rules += len(fr.Rules)
			t.Bytes += int64(len(f.data))
			t.Wall += d
			t.CPU += dc
			fileUnits := map[string]bool{}
			for _, r := range fr.Rules {
				l := lang.Of(r)
				if l == nil || l.Parse == nil {
					continue
				}
				u := units[l.Name]
				if u == nil {
					u = &unit{}
					units[l.Name] = u
				}
				u.rules++
				switch {
				case l.ParseUnit == "file":
					if !fileUnits[l.Name] {
						fileUnits[l.Name] = true
						u.inputs = append(u.inputs, f.data)
						u.files++
					}
				case r.Query != "":
					u.inputs = append(u.inputs, []byte(r.Query))
				}
				if l.Name == "kql" && r.Query != "" {
					res.kql = append(res.kql, r.Query)
				}
			}
		}
		for _, t := range byLang {
			res.rows = append(res.rows, *t)
		}
		for _, l := range lang.All() {
			u := units[l.Name]
			if u == nil || len(u.inputs) == 0 {
				continue
			}
			var n int64
			for _, b := range u.inputs {
				n += int64(len(b))
			}
			d, dc, passes := repeat(minTotal, func() {
				for _, b := range u.inputs {
					l.Parse(b)
				}
			})
			res.rows = append(res.rows, Throughput{Language: l.Name, Stage: StageParse, Files: u.files,
				Rules: u.rules, Bytes: n, Wall: d, CPU: dc, Passes: passes})
		}
	})
	sort.SliceStable(res.rows, func(i, j int) bool {
		a, b := res.rows[i], res.rows[j]
		if (a.Language == "") != (b.Language == "") {
			return b.Language == ""
		}
		if a.Language != b.Language {
			return a.Language < b.Language
		}
		return a.Stage > b.Stage // parse before read+lower
	})
	return res
}

// repeat runs f at least once and until minTotal has passed (at most 100
// times), and returns the median wall time and CPU time of one run and the
// number of runs.
func repeat(minTotal time.Duration, f func()) (wall, cpu time.Duration, runs int) {
	var ds, cs []time.Duration
	var total time.Duration
	for len(ds) == 0 || total < minTotal && len(ds) < 100 {
		s, c := time.Now(), processCPU()
		f()
		d := time.Since(s)
		ds = append(ds, d)
		cs = append(cs, processCPU()-c)
		total += d
	}
	return median(ds), median(cs), len(ds)
}

// median returns the median of ds (the mean of the middle two when their
// number is even); ds is sorted in place.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	m := len(ds) / 2
	if len(ds)%2 == 0 {
		return (ds[m-1] + ds[m]) / 2
	}
	return ds[m]
}
