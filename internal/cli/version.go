package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"runtime/debug"
)

func init() {
	register(&Command{
		Name:    "version",
		Usage:   "[--json]",
		Summary: "print ruledex's version: the module's, the commit it was built from (when known) and the Go release",
		Run:     runVersion,
	})
}

// buildVersion is what the binary knows of its own build (runtime/debug.ReadBuildInfo).
type buildVersion struct {
	Module   string `json:"module"`
	Version  string `json:"version"`            // the module's: v1.2.3, or (devel) for a build in its own tree
	Revision string `json:"revision,omitempty"` // vcs.revision
	Time     string `json:"time,omitempty"`     // vcs.time
	Modified bool   `json:"modified,omitempty"` // vcs.modified: built from a tree with changes not committed
	Go       string `json:"go"`
}

func readBuildVersion() buildVersion {
	v := buildVersion{Module: "github.com/ruledex/ruledex", Version: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = bi.GoVersion
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func runVersion(env *Env, fs *flag.FlagSet, args []string) error {
	asJSON := fs.Bool("json", false, "print the version as JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return &UsageError{Msg: "version takes no argument"}
	}
	v := readBuildVersion()
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err = fmt.Fprintf(env.Stdout, "ruledex %s %s\n", v, v.Go)
	return err
}

// String is the version with its revision, time and whether the tree was
// modified, when the build recorded them: "v1.2.0 (0123456789ab 2026-12-06T08:00:00Z, modified)".
func (v buildVersion) String() string {
	s := v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (" + rev
		if v.Time != "" {
			s += " " + v.Time
		}
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s
}
