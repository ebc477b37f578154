package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/web"
)

// LoadRun is one load test of `ruledex serve --db` over loopback.
type LoadRun struct {
	Conns     int           // concurrent keep-alive connections
	Duration  time.Duration // how long the clients asked
	Pages     int           // rule pages answered 200
	Failed    int           // requests that failed or answered another status
	Latency   Latency
	ServerCPU time.Duration // the server process's CPU time over the run (0: not measured)
}

// PagesPerSec is the throughput of the run.
func (l LoadRun) PagesPerSec() float64 {
	if l.Duration <= 0 {
		return 0
	}
	return float64(l.Pages) / l.Duration.Seconds()
}

// loadConns is the number of connections of the load test, as the issue
// of the website sets it.
const loadConns = 64

// measureServe runs `ruledex serve --db db` on a free loopback port, in a
// child process as users run it, and asks it for rule pages (every rule of
// the catalog in turn, spread) over 64 keep-alive connections: once from
// the moment it listens, while it makes and keeps its rule pages in the
// background, and once that is done. The clients run in this process, on
// the same cores, as wrk would.
func measureServe(ctx context.Context, exe, db string, ids []string, quick bool, rep *Report) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "serve", "--db", db, "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	addr := make(chan string, 1)
	warm := make(chan struct{})
	terms := make(chan struct{}) // closed once serve said its search's frequent terms
	var tail strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sent, warmed, termsHeld := false, false, false
		for sc.Scan() {
			line := sc.Text()
			if tail.Len() < 4096 {
				tail.WriteString(line + "\n")
			}
			if i := strings.Index(line, "serving on http://"); i >= 0 && !sent {
				sent = true
				addr <- strings.TrimSuffix(line[i+len("serving on http://"):], "/")
			}
			if strings.Contains(line, "rule pages made and kept") && !warmed {
				warmed = true
				close(warm)
			}
			if strings.Contains(line, "frequent terms") && !termsHeld {
				termsHeld = true
				close(terms)
			}
		}
		if !sent {
			close(addr)
		}
	}()
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			cmd.Wait()
			return fmt.Errorf("ruledex serve did not start: %s", tail.String())
		}
		base = "http://" + a
	case <-time.After(time.Minute):
		return errors.New("ruledex serve did not listen within a minute")
	}
	d := 5 * time.Second
	if quick {
		d = 500 * time.Millisecond
	}
	paths := make([]string, len(ids))
	for i, id := range spread(ids) {
		paths[i] = base + web.RulePath(id)
	}
	pid := cmd.Process.Pid
	if rep.ServeCold, err = loadTest(ctx, paths, loadConns, d, pid); err != nil {
		return err
	}
	select {
	case <-warm:
	case <-time.After(2 * time.Minute):
		return errors.New("ruledex serve did not finish making its rule pages within two minutes")
	case <-ctx.Done():
		return ctx.Err()
	}
	// What the server makes after its rule pages (the search's postings)
	// is made before the kept pages are measured: they are a server's own
	// figures, not its start-up's.
	select {
	case <-terms:
	case <-time.After(3 * time.Minute):
	case <-ctx.Done():
		return ctx.Err()
	}
	rep.ServeWarm, err = loadTest(ctx, paths, loadConns, d, pid)
	return err
}

// loadTest asks for paths in turn (from where the last client left off)
// over conns keep-alive connections for d, each client waiting for its
// answer before it asks again.
func loadTest(ctx context.Context, paths []string, conns int, d time.Duration, pid int) (LoadRun, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	run := LoadRun{Conns: conns}
	var next, ok, failed atomic.Int64
	lats := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	cpu0 := procCPU(pid)
	t0 := time.Now()
	stop := t0.Add(d)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for time.Now().Before(stop) && ctx.Err() == nil {
				p := paths[int(next.Add(1)-1)%len(paths)]
				t := time.Now()
				resp, err := client.Get(p)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				lats[c] = append(lats[c], time.Since(t))
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	run.Duration = time.Since(t0)
	if cpu0 > 0 {
		run.ServerCPU = procCPU(pid) - cpu0
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	run.Latency = Summarize(all)
	run.Pages, run.Failed = int(ok.Load()), int(failed.Load())
	if run.Pages == 0 {
		return run, fmt.Errorf("no rule page answered in %s (%d requests failed)", d, run.Failed)
	}
	return run, ctx.Err()
}

// procCPU returns the user and system time process pid used so far, from
// /proc (0 where there is none).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command's name (in parentheses, which may hold
	// spaces): utime and stime are the 14th and 15th of the line.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is the unit of /proc's times (USER_HZ, 100 on Linux).
const clockTicks = 100
