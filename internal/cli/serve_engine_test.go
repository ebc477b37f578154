package cli

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/ruledex/ruledex/internal/build/buildtest"
	"github.com/ruledex/ruledex/internal/web"
)

// builtTime matches the time of a build as pages and the API show it: the
// one thing two catalogs of the same rules built at two moments differ by.
var builtTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

// TestServeFolderSameAsDB: `serve FOLDER` (a temporary catalog that serve
// builds) and `serve --db` (the catalog `ruledex build` wrote) over the
// same rules, the corpus, give the same searches, facet counts and pages:
// 50 searches (the API's answer and the search page), every facet key (the
// browse listing with each of its most frequent values, alone and with a
// search text), the listings and a spread of rule pages.
func TestServeFolderSameAsDB(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("two builds of the whole corpus under the race detector (SQLite tens of times slower): run without -race")
	}
	corpus := buildtest.CorpusDir(t)
	db := t.TempDir() + "/corpus.db"
	if _, errs, code := runCmd(t, "build", "--quiet", "--db", db, corpus); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errs)
	}
	env := &Env{Ctx: t.Context(), Stdout: io.Discard, Stderr: io.Discard}
	fromDB, closeDB, err := loadCatalog(env, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	fromFolder, closeFolder, err := loadCatalog(env, "", []string{corpus})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFolder()
	sDB, err := web.New(fromDB)
	if err != nil {
		t.Fatal(err)
	}
	sFolder, err := web.New(fromFolder)
	if err != nil {
		t.Fatal(err)
	}
	// The catalogs' versions (in pages' footers) differ too.
	versions := strings.NewReplacer(fromDB.Version(), "VERSION", fromFolder.Version(), "VERSION")
	get := func(s *web.Server, p string) (int, string) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		return w.Code, versions.Replace(builtTime.ReplaceAllString(w.Body.String(), "BUILT"))
	}
	compared := 0
	same := func(p string) string {
		t.Helper()
		compared++
		c1, b1 := get(sDB, p)
		c2, b2 := get(sFolder, p)
		if c1 != 200 || c1 != c2 || b1 != b2 {
			t.Errorf("%s: serve --db %d (%d bytes), serve FOLDER %d (%d bytes)%s", p, c1, len(b1), c2, len(b2), firstDiff(b1, b2))
		}
		return b1
	}
	result := func(p string) web.Result {
		t.Helper()
		var r web.Result
		if err := json.Unmarshal([]byte(same(p)), &r); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return r
	}

	// The listings and pages of the whole catalog.
	for _, p := range []string{"/", "/rules/", "/attack/", "/tables/", "/events/", "/indicators/", "/repos/",
		"/api/v1/stats", "/api/v1/coverage", "/api/v1/indicators"} {
		same(p)
	}
	ids, err := fromDB.RuleIDs(t.Context())
	if err != nil || len(ids) < 1000 {
		t.Fatalf("%d rules (%v)", len(ids), err)
	}
	if other, _ := fromFolder.RuleIDs(t.Context()); strings.Join(other, "\n") != strings.Join(ids, "\n") {
		t.Fatalf("serve FOLDER has %d rules, serve --db %d, not the same", len(other), len(ids))
	}
	for i := 0; i < len(ids); i += len(ids) / 40 {
		same(web.RulePath(ids[i]))
		same("/api/v1/rules/" + ids[i])
	}

	// 50 searches: fixed ones, then words of the titles of rules spread
	// over the catalog.
	searches := []string{"powershell", "runCommand", "Microsoft.Compute/virtualMachines/runCommand/action", "mimikatz",
		`"encoded command"`, "lsass dump", "cmd.exe -whoami", "certutil*", "password OR credential", "T1059.001",
		"SigninLogs", "process_creation", "title:suspicious", "registry run keys persistence", "aws cloudtrail",
		"net user add", "schtasks", "-powershell", "base64", "rundll32 javascript"}
	seen := map[string]bool{}
	for _, s := range searches {
		seen[s] = true
	}
	for i := 0; len(searches) < 50 && i < len(ids); i += 37 {
		r, err := fromDB.Rule(t.Context(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.FieldsFunc(r.Title, func(c rune) bool { return !unicode.IsLetter(c) }) {
			if w = strings.ToLower(w); len(w) >= 5 && !seen[w] {
				seen[w] = true
				searches = append(searches, w)
				break
			}
		}
	}
	if len(searches) < 50 {
		t.Fatalf("only %d searches", len(searches))
	}
	for i, q := range searches {
		res := result("/api/v1/search?per_page=50&q=" + url.QueryEscape(q))
		if i < 20 && res.Total == 0 && !strings.HasPrefix(q, "-") {
			t.Errorf("search %q finds nothing", q)
		}
		same("/search?q=" + url.QueryEscape(q))
	}

	// Every facet key: its most frequent values, alone (browse) and with a
	// search text, as the API and the browse page give them.
	browse := result("/api/v1/rules")
	for _, k := range web.FacetKeys {
		if len(browse.Facets[k]) == 0 {
			t.Errorf("facet %s: no value in the corpus", k)
		}
		for i, fc := range browse.Facets[k] {
			if i == 3 {
				break
			}
			f := url.QueryEscape(k + ":" + fc.Value)
			if r := result("/api/v1/rules?f=" + f); r.Total != fc.Count {
				t.Errorf("facet %s:%s counts %d rules, its listing has %d", k, fc.Value, fc.Count, r.Total)
			}
			same("/rules/?f=" + f)
			same("/api/v1/search?q=" + url.QueryEscape(searches[i]) + "&f=" + f)
		}
	}
	t.Logf("%d pages and answers compared, %d searches", compared, len(searches))
}

// firstDiff says where a and b first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return ""
	}
	from := max(i-60, 0)
	return "; first difference at byte " + strconv.Itoa(i) + ":\n  --db:   " + clipAt(a, from) + "\n  FOLDER: " + clipAt(b, from)
}

func clipAt(s string, from int) string {
	if from >= len(s) {
		return ""
	}
	return s[from:min(from+160, len(s))]
}

// TestServeTemporaryCatalog: serve SOURCE and serve with no argument build
// a catalog (with build.Build) into a temporary folder, which closing the
// catalog removes.
func TestServeTemporaryCatalog(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := &Env{Ctx: t.Context(), Stdout: io.Discard, Stderr: io.Discard}
	for _, args := range [][]string{{filepath.Join("..", "..", "examples")}, nil} {
		cat, closeCat, err := loadCatalog(env, "", args)
		if err != nil {
			t.Fatal(err)
		}
		dirs, _ := filepath.Glob(filepath.Join(tmp, "ruledex-serve-*", "catalog.db"))
		ids, err := cat.RuleIDs(t.Context())
		if err != nil || len(ids) < 4 || len(dirs) != 1 {
			t.Fatalf("%v: %d rules (%v), catalogs %v", args, len(ids), err, dirs)
		}
		if _, ok := cat.(*web.StoreCatalog); !ok {
			t.Errorf("%v: a %T, not the store's catalog", args, cat)
		}
		if err := closeCat(); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%v: %d files left in the temporary folder", args, len(left))
		}
	}
}
