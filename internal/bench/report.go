package bench

import (
	"fmt"
	"io"
	"time"
)

// Write prints the report as a table: the date, the machine and every
// figure, one a line, each line starting with its label.
func (r *Report) Write(w io.Writer) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-26s %s\n", label, fmt.Sprintf(format, args...))
	}
	m := r.Machine
	fmt.Fprintf(w, "ruledex bench, %s\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	mem := ""
	if m.MemBytes > 0 {
		mem = fmt.Sprintf(", %.1f GiB", float64(m.MemBytes)/(1<<30))
	}
	p("machine", "%s, %d cores%s, %s/%s, %s", m.CPU, m.Cores, mem, m.OS, m.Arch, m.GoVersion)
	p("load average", "%.2f %.2f %.2f at start, %.2f at end (1, 5, 15 min; figures are noisy when it is above %d)",
		m.Load[0], m.Load[1], m.Load[2], r.LoadEnd[0], m.Cores)
	scale := ""
	if r.Scale > 1 {
		scale = fmt.Sprintf(", read %d times as %d forks (--scale %d)", r.Scale, r.Scale, r.Scale)
	}
	p("corpus", "%s%s: %d sources, %d files, %.1f MB", r.Corpus.Dir, scale, r.Corpus.Sources, r.Corpus.Files, float64(r.Corpus.Bytes)/1e6)

	fmt.Fprintf(w, "\nbuild (ruledex build --db TMP CORPUS, in a child process)\n")
	b := r.Full
	p("full build", "%s; %d rules from %d files", buildFigures(b), b.Summary.Rules, b.Summary.Files)
	b = r.NoChange
	up := ""
	if b.Summary.UpToDate {
		up = " (up to date)"
	}
	p("rebuild, nothing changed", "%s; %s read, %d unchanged%s", buildFigures(b), files(b.Summary.Read), b.Summary.Reused, up)
	b = r.OneFile
	p("rebuild, one file changed", "%s; %s read, %d unchanged (%s: a comment added, its rules read the same)", buildFigures(b), files(b.Summary.Read), b.Summary.Reused, r.Changed)
	if b = r.OneRule; b.Wall > 0 {
		p("rebuild, one rule changed", "%s; %s read, %d unchanged (the same file, its title edited: no other rule reads it)", buildFigures(b), files(b.Summary.Read), b.Summary.Reused)
	} else {
		p("rebuild, one rule changed", "not measured: the file changed states no title on a line of its own")
	}
	if b = r.OneValue; b.Wall > 0 {
		p("rebuild, one value changed", "%s; %s read, %d unchanged (the same file, a value of its detection changed: every rule cross-referenced again)", buildFigures(b), files(b.Summary.Read), b.Summary.Reused)
	} else {
		p("rebuild, one value changed", "not measured: no quoted value found in the changed file's query")
	}
	l := r.Lint
	lrss := ""
	if l.MaxRSS > 0 {
		lrss = fmt.Sprintf(", peak RSS %.0f MB", float64(l.MaxRSS)/1e6)
	}
	p("lint (ruledex lint, json)", "%s wall, %s CPU%s; %d rules, %d findings; %.2f of the full build's wall, %.2f of its CPU",
		dur(l.Wall), dur(l.CPU), lrss, l.Rules, l.Findings, ratio(l.Wall, r.Full.Wall), ratio(l.CPU, r.Full.CPU))

	if r.Scale > 1 {
		fmt.Fprintf(w, "\nparse throughput and the KQL parser against Microsoft's: measured at --scale 1 only\n")
	} else {
		r.writeParse(w, p)
	}

	fmt.Fprintf(w, "\nsearch (store.Search: first page of 20 hits, facet counts, snippets)\n")
	p("queries", "%d (%s)", r.Search.N, r.SearchQueries)
	p("first search", "%s (loads the facet index)", dur(r.FirstSearch))
	s := r.Search
	p("search latency", "p50 %s, p95 %s, p99 %s, max %s; %s searches/s", dur(s.P50), dur(s.P95), dur(s.P99), dur(s.Max), rate(s.N, s.Total))
	if s.CPU > 0 && s.N > 0 {
		p("search CPU", "%s CPU a search on average (%s CPU over %s wall)", dur(s.CPU/time.Duration(s.N)), dur(s.CPU), dur(s.Total))
	}

	fmt.Fprintf(w, "\nrule pages (web handler over the built catalog, httptest)\n")
	pg := r.Pages
	p("page latency", "%d pages one after another: p50 %s, p95 %s, p99 %s, max %s; %.0f pages/s, %.0f kB a page",
		pg.N, dur(pg.P50), dur(pg.P95), dur(pg.P99), dur(pg.Max), r.PagesPerSec, r.PageBytes/1e3)
	if pg.CPU > 0 && pg.N > 0 {
		p("page CPU", "%s CPU a page on average (%s CPU over %s wall)", dur(pg.CPU/time.Duration(pg.N)), dur(pg.CPU), dur(pg.Total))
	}

	fmt.Fprintf(w, "\nruledex serve --db (a child process on loopback; the clients share its cores)\n")
	p("just started", "%s", loadFigures(r.ServeCold))
	p("rule pages kept", "%s", loadFigures(r.ServeWarm))

	fmt.Fprintf(w, "\nstatic export (ruledex export site DIR --db TMP, in a child process)\n")
	e := r.Export
	if e.Wall == 0 {
		p("export", "not measured (--no-export)")
		fmt.Fprintln(w)
		p("total", "%s", r.Elapsed.Round(time.Second))
		return
	}
	rss := ""
	if e.MaxRSS > 0 {
		rss = fmt.Sprintf(", peak RSS %.0f MB", float64(e.MaxRSS)/1e6)
	}
	p("export", "%s wall, %s CPU%s; %d pages, %d files, %.1f MB", dur(e.Wall), dur(e.CPU), rss, e.Pages, e.Files, float64(e.Bytes)/1e6)
	if e.Disk > 0 {
		p("export on disk", "%.1f MB with folders and blocks (du); search index %.1f MB (search/, loaded in shards)", float64(e.Disk)/1e6, float64(e.Search)/1e6)
	}

	fmt.Fprintln(w)
	p("total", "%s", r.Elapsed.Round(time.Second))
}

func buildFigures(b BuildRun) string {
	s := fmt.Sprintf("%s wall, %s CPU", dur(b.Wall), dur(b.CPU))
	if b.MaxRSS > 0 {
		s += fmt.Sprintf(", peak RSS %.0f MB", float64(b.MaxRSS)/1e6)
	} else {
		s += ", peak RSS not measured on this system"
	}
	return s
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

func orSkipped(skip, v string) string {
	if skip != "" {
		return "not measured"
	}
	return v
}

// dur prints d with three significant figures or so, in ms below a second.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// rate is n per d, per second.
func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}

func loadFigures(l LoadRun) string {
	s := fmt.Sprintf("%d connections, %s: %.0f rule pages/s, p50 %s, p99 %s", l.Conns, dur(l.Duration), l.PagesPerSec(), dur(l.Latency.P50), dur(l.Latency.P99))
	if l.Failed > 0 {
		s += fmt.Sprintf(", %d failed", l.Failed)
	}
	if l.ServerCPU > 0 && l.Pages > 0 {
		s += fmt.Sprintf("; server %.0f CPU-µs a page", float64(l.ServerCPU.Microseconds())/float64(l.Pages))
	}
	return s
}

// writeParse prints the parse throughput and the KQL parser's comparison.
func (r *Report) writeParse(w io.Writer, p func(label, format string, args ...any)) {
	fmt.Fprintf(w, "\nparse throughput on one core (GOMAXPROCS=1, files in memory), per second of CPU time; CPU/wall %.2f\n", r.ParseCPU)
	fmt.Fprintf(w, "  %-9s %-34s %6s %7s %8s %8s %9s\n", "language", "what", "files", "rules", "MB", "MB/s", "rules/s")
	for _, t := range r.Parse {
		lang, files := t.Language, fmt.Sprint(t.Files)
		if lang == "" {
			lang = "-"
		}
		if t.Files == 0 {
			files = "-"
		}
		fmt.Fprintf(w, "  %-9s %-34s %6s %7d %8.2f %8.2f %9.0f\n", lang, t.Stage, files, t.Rules, float64(t.Bytes)/1e6, t.MBps(), t.RulesPerSec())
	}

	o := r.Oracle
	fmt.Fprintf(w, "\nKQL parser against Microsoft's (Kusto.Language")
	if o.Package != "" {
		fmt.Fprintf(w, ", %s", o.Package)
	}
	fmt.Fprintf(w, ", in node)\n")
	if o.Skipped != "" {
		for _, l := range []string{"sample", "ruledex parse", "Kusto.Language parse", "ratio", "kql-oracle run"} {
			p(l, "%s", o.Skipped)
		}
	} else {
		p("sample", "%d of %d corpus queries, %.2f MB; with syntax errors: ruledex %d, Kusto.Language %s",
			o.Sample, r.KQLQueries, float64(o.SampleBytes)/1e6, o.RuledexRejected, orSkipped(o.MSSkipped, fmt.Sprint(o.MSRejected)))
		p("ruledex parse", "%s per pass (%s CPU), %s queries/s (median of %d passes)",
			dur(o.Ruledex), dur(o.RuledexCPU), rate(o.Sample, o.Ruledex), o.RuledexPasses)
		if o.MSSkipped != "" {
			p("Kusto.Language parse", "skipped: %s", o.MSSkipped)
			p("ratio", "skipped: %s", o.MSSkipped)
		} else {
			p("Kusto.Language parse", "%s per pass (%s CPU), %s queries/s (warm, median of %d passes; first parse %s)",
				dur(o.MS), dur(o.MSCPU), rate(o.Sample, o.MS), o.MSPasses, dur(o.MSInit))
			p("ratio", "ruledex parses %.0fx as fast as Kusto.Language (wall time), %.0fx (CPU time)", o.Ratio(), o.RatioCPU())
		}
		if o.OracleSkipped != "" {
			p("kql-oracle run", "%s", o.OracleSkipped)
		} else {
			failed := ""
			if o.OracleFailed > 0 {
				failed = fmt.Sprintf(", %d failed", o.OracleFailed)
			}
			p("kql-oracle run", "%s for %d queries uncached (node start, parse, analysis, JSON%s); ruledex parse+summary %s: %.0fx",
				dur(o.OracleRun), o.OracleSample, failed, dur(o.RuledexSum), o.OracleRun.Seconds()/o.RuledexSum.Seconds())
		}
	}
}
