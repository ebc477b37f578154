package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/store"
	"github.com/ruledex/ruledex/internal/web"
)

func init() {
	register(&Command{
		Name:  "serve",
		Usage: "[--addr HOST:PORT] [--host NAME]... [--db FILE] [--attack FILE] [SOURCE...]",
		Summary: "serve the knowledge base as a website and JSON API: a built catalog (--db), rule folders (SOURCE...), " +
			"or the embedded examples with no arguments",
		Run: runServe,
	})
}

// openCatalogDB opens a built catalog for the web faces.
var openCatalogDB = func(path string) (web.Catalog, func() error, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("%s: %w (build it with ruledex build --db %s SOURCE...)", path, err, path)
	}
	c, err := web.OpenStore(path)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}

// examplesFS returns the embedded example rules, when this build has them.
var examplesFS func() fs.FS

func runServe(env *Env, fs *flag.FlagSet, args []string) error {
	addr := fs.String("addr", "127.0.0.1:8080", "`HOST:PORT` to listen on")
	db := fs.String("db", "", "serve this built catalog `FILE` (ruledex build)")
	table := fs.String("attack", "", "ATT&CK table `FILE` for the matrix (ruledex attack import; - for standard input), instead of the embedded one")
	var hosts hostList
	fs.Var(&hosts, "host", "a host `NAME` the server answers to besides its address and localhost (repeatable)")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	if err := useAttackTableFrom(env, *table); err != nil {
		return err
	}
	var opened os.FileInfo // the catalog file served, to see when a build replaces it
	if *db != "" {
		opened, _ = os.Stat(*db)
	}
	cat, closeCat, err := loadCatalog(env, *db, args)
	if err != nil {
		return err
	}
	srv, stop, err := newServer(env, cat, *db)
	if err != nil {
		closeCat()
		return err
	}
	h := &swapHandler{}
	h.cur.Store(srv)
	var mu sync.Mutex // guards the stopping and closing of the catalog in use
	curStop, curClose := stop, closeCat
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		curStop()
		curClose()
	}()
	if *db != "" {
		go watchCatalog(env, *db, opened, buildMark(env, cat), func(cat web.Catalog, closeCat func() error) error {
			srv, stop, err := newServer(env, cat, *db)
			if err != nil {
				return err
			}
			h.cur.Store(srv)
			mu.Lock()
			oldStop, oldClose := curStop, curClose
			curStop, curClose = stop, closeCat
			mu.Unlock()
			// The old server stops making pages now; requests begun on its
			// catalog end within the write timeout, and it is closed after.
			oldStop()
			time.AfterFunc(limits.WriteTimeout+5*time.Second, func() { oldClose() })
			return nil
		})
	}
	return listenAndServe(env.Ctx, env, *addr, h, hosts)
}

// hostList is the repeatable --host flag.
type hostList []string

func (l *hostList) String() string { return strings.Join(*l, ",") }

func (l *hostList) Set(v string) error {
	v = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	if v == "" || strings.ContainsAny(v, "/:@ ") && net.ParseIP(strings.Trim(v, "[]")) == nil {
		return fmt.Errorf("--host %q: want a host name, with no port", v)
	}
	*l = append(*l, strings.Trim(v, "[]"))
	return nil
}

// hostGuard answers only requests whose Host header names the server: a
// page on another site whose name an attacker points at 127.0.0.1 (DNS
// rebinding) could otherwise read the catalog as same-origin. Accepted:
// the bound address (any IP address when bound to all of them: a page
// whose origin is an IP address is that server's own), localhost and
// *.localhost, the loopback addresses, and the names given with --host.
// The port is not checked. Others get 421 Misdirected Request.
type hostGuard struct {
	next  http.Handler
	bound net.IP // nil or unspecified: any IP address
	names map[string]bool
}

func newHostGuard(next http.Handler, bound net.Addr, names []string) *hostGuard {
	g := &hostGuard{next: next, names: map[string]bool{"localhost": true}}
	if ta, ok := bound.(*net.TCPAddr); ok {
		g.bound = ta.IP
	}
	for _, n := range names {
		g.names[strings.ToLower(n)] = true
	}
	return g
}

func (g *hostGuard) allowed(host string) bool {
	if host == "" {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || g.bound == nil || g.bound.IsUnspecified() || ip.Equal(g.bound) || g.names[ip.String()]
	}
	return g.names[host] || strings.HasSuffix(host, ".localhost")
}

func (g *hostGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.allowed(r.Host) {
		msg := "421 misdirected request: this server does not answer to the host " + strconv.Quote(r.Host) +
			" (ruledex serve --host NAME accepts a name)"
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": msg})
			return
		}
		http.Error(w, msg, http.StatusMisdirectedRequest)
		return
	}
	g.next.ServeHTTP(w, r)
}

// newServer returns the web server of cat, which starts making its rule
// pages in the background (until stop is called): a catalog does not
// change under a server (a build writes a new file and serve swaps
// servers), so every rule page is made once and kept, and even its first
// readers get a copy.
//
// When a read finds the catalog file damaged under the server (written
// over in place other than by a build's transaction, cut short), serve
// checks the file, says so plainly and goes on
// serving the pages it has made, every other request answered 503 until
// the file is rebuilt (path is the file's name, "" for a temporary one).
func newServer(env *Env, cat web.Catalog, path string) (srv *web.Server, stop func(), err error) {
	srv, err = web.New(cat)
	if err != nil {
		return nil, nil, err
	}
	srv.Log = log.New(env.Stderr, "ruledex serve: ", log.LstdFlags)
	srv.OnDamaged = func(err error) {
		if sc, ok := cat.(*web.StoreCatalog); ok {
			ctx, cancel := context.WithTimeout(env.Ctx, time.Minute)
			if cerr := sc.DB().Check(ctx); cerr != nil {
				err = cerr
			}
			cancel()
		}
		name := path
		if name == "" {
			name = "the temporary catalog"
		}
		srv.Log.Printf("%s IS DAMAGED (%v): it was changed while served; "+
			"serving only the pages already made, every other request answers 503 until it is rebuilt (ruledex build)",
			termLine(name), err)
	}
	ctx, cancel := context.WithCancel(env.Ctx)
	// What a server makes at its start, in the background, one after the
	// other so that each has the cores it can get beside the first visitors:
	// the rule pages it keeps, then the postings of the search's frequent
	// terms (broad words ranked from them in memory rather than by FTS5,
	// store.DB.WarmSearch; a search made meanwhile takes FTS5's path).
	go func() {
		start := time.Now()
		n, err := srv.WarmRulePages(ctx)
		if err != nil {
			return
		}
		srv.Log.Printf("%d rule pages made and kept in %s", n, time.Since(start).Round(time.Millisecond))
		sc, ok := cat.(*web.StoreCatalog)
		if !ok {
			return
		}
		// The terms wait, a minute at most, until the server has had no
		// request for a second: at 15 times the corpus they take a core
		// for a minute, which the first visitors' pages need more.
		srv.WaitQuiet(ctx, time.Second, time.Minute)
		start = time.Now()
		terms, err := sc.DB().WarmSearch(ctx)
		switch {
		case err == nil:
			srv.Log.Printf("search: %d frequent terms held in %s", terms, time.Since(start).Round(time.Millisecond))
		case ctx.Err() == nil:
			srv.Log.Printf("search: frequent terms not held (%v); every search is ranked by SQLite's FTS5", err)
		}
	}()
	return srv, cancel, nil
}

// swapHandler serves with the server of the catalog in use.
type swapHandler struct{ cur atomic.Pointer[web.Server] }

func (h *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.cur.Load().ServeHTTP(w, r) }

// watchInterval is how often serve looks whether the catalog was rebuilt.
var watchInterval = 2 * time.Second

// buildMark names the last build of cat (store.DB.BuildMark), "" when it
// is no catalog file.
func buildMark(env *Env, cat web.Catalog) string {
	if sc, ok := cat.(*web.StoreCatalog); ok {
		return sc.DB().BuildMark(env.Ctx)
	}
	return ""
}

// watchCatalog looks at the catalog file at path every watchInterval until
// env.Ctx ends; when a build has replaced it (another file, or the same
// changed), it opens the new one and hands it to use. A catalog that cannot
// be opened is said once and the last one kept. served names the build of
// the catalog served (buildMark).
func watchCatalog(env *Env, path string, last os.FileInfo, served string, use func(web.Catalog, func() error) error) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	logf := func(format string, args ...any) { fmt.Fprintf(env.Stderr, "ruledex serve: "+format+"\n", args...) }
	for {
		select {
		case <-env.Ctx.Done():
			return
		case <-t.C:
		}
		st, err := os.Stat(path)
		if err != nil || last != nil && os.SameFile(st, last) && st.ModTime().Equal(last.ModTime()) && st.Size() == last.Size() {
			continue
		}
		// A build writes a new file and renames it, or writes over the
		// catalog in place in one SQLite transaction (then the catalog
		// still records the build served: store.DB.Follows); the same file
		// changed otherwise is checked whole before it is served.
		inPlace := last != nil && os.SameFile(st, last)
		last = st
		cat, closeCat, err := openCatalogDB(path)
		if err == nil && inPlace {
			if sc, ok := cat.(*web.StoreCatalog); ok && !sc.DB().Follows(env.Ctx, served) {
				err = sc.DB().Check(env.Ctx)
			}
			if err != nil {
				closeCat()
			}
		}
		if err == nil {
			if err = use(cat, closeCat); err != nil {
				closeCat()
			}
		}
		switch {
		case err != nil && inPlace && store.Damaged(err):
			logf("%s was written over in place and IS DAMAGED (%v): serving only the pages already made "+
				"until it is rebuilt (ruledex build)", termLine(path), err)
			continue
		case err != nil:
			logf("%s changed but cannot be served (%v): still serving the catalog before it", termLine(path), err)
			continue
		}
		served = buildMark(env, cat)
		logf("%s was rebuilt: serving the new catalog", path)
	}
}

// useAttackTable makes the ATT&CK table at path the one in use, when path is set.
func useAttackTable(path string) error { return useAttackTableFrom(nil, path) }

// useAttackTableFrom is useAttackTable with "-" read from env's standard input.
func useAttackTableFrom(env *Env, path string) error {
	if path == "" {
		return nil
	}
	t, err := loadAttackTable(env, path)
	if err != nil {
		return err
	}
	attack.SetDefault(t)
	return nil
}

// loadCatalog opens the catalog that serve and export publish: the database
// when db is given, else a catalog built from sources, else one built from
// the embedded examples. A catalog built here is built as `ruledex build`
// builds one (build.Build, the same sources for the same arguments), into a
// temporary folder that closing the catalog removes: serve and export read
// every catalog through the same store.
func loadCatalog(env *Env, db string, sources []string) (web.Catalog, func() error, error) {
	if db != "" {
		if len(sources) > 0 {
			return nil, nil, &UsageError{Msg: "give --db or SOURCE folders, not both"}
		}
		return openCatalogDB(db)
	}
	dir, err := os.MkdirTemp("", "ruledex-serve-")
	if err != nil {
		return nil, nil, err
	}
	remove := func() error { return os.RemoveAll(dir) }
	srcs := sourcesOf(env, sources)
	if len(sources) == 0 {
		fsys := fs.FS(nil)
		switch {
		case examplesFS != nil:
			fsys = examplesFS()
		default:
			// Until the examples are embedded, read the checkout's examples
			// folder when run from the repository's root.
			if st, err := os.Stat("examples"); err == nil && st.IsDir() {
				fmt.Fprintln(env.Stderr, "ruledex: no embedded examples in this build; reading ./examples")
				fsys = os.DirFS("examples")
			}
		}
		if fsys == nil {
			remove()
			return nil, nil, &UsageError{Msg: "this build embeds no example rules; give --db FILE or SOURCE folders"}
		}
		ex := filepath.Join(dir, "examples")
		if err := copyFS(fsys, ex); err != nil {
			remove()
			return nil, nil, fmt.Errorf("examples: %w", err)
		}
		srcs = []build.Source{{Name: "examples", Path: ex}}
	}
	path := filepath.Join(dir, "catalog.db")
	sum, err := build.Build(env.Ctx, build.Options{DB: path, Sources: srcs})
	if err != nil {
		remove()
		return nil, nil, err
	}
	fmt.Fprintf(env.Stderr, "ruledex: %d rules from %d files (%d with errors) built into a temporary catalog\n",
		sum.Rules, sum.Files, sum.RulesWithError)
	cat, err := web.OpenStore(path)
	if err != nil {
		remove()
		return nil, nil, err
	}
	return cat, func() error { return errors.Join(cat.Close(), remove()) }, nil
}

// copyFS writes the files of fsys under dir, leaving out hidden folders.
func copyFS(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, filepath.FromSlash(p)), 0o755)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.FromSlash(p)), data, 0o644)
	})
}

// serveLimits bound what one client can hold of the server: the time to
// send a request's header and the whole request, to receive the response,
// the time a kept-alive connection may stay idle, and the size of the
// request line and header together. A rule site is read with GET requests
// whose answers are ready in milliseconds, so the limits are short.
type serveLimits struct {
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
}

// limits are the serve command's; tests shorten them.
var limits = serveLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// newHTTPServer returns the server of h with the limits, logging its
// connection errors (bad TLS handshakes, accept errors...) to errLog.
func newHTTPServer(h http.Handler, l serveLimits, errLog *log.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes, ErrorLog: errLog}
}

// listenAndServe serves h on addr until ctx ends, then shuts down gracefully.
func listenAndServe(ctx context.Context, env *Env, addr string, h http.Handler, hosts []string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newHTTPServer(newHostGuard(h, ln.Addr(), hosts), limits, log.New(env.Stderr, "ruledex serve: ", log.LstdFlags))
	fmt.Fprintf(env.Stderr, "ruledex: serving on http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
