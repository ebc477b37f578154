package cli

import (
	"flag"
	"fmt"

	"github.com/ruledex/ruledex/internal/config"
)

func init() {
	register(&Command{
		Name:    "sync",
		Usage:   "[--config ruledex.yaml]",
		Summary: "clone or update, with git, the sources of ruledex.yaml that name a git address",
		Run:     runSync,
	})
}

func runSync(env *Env, fs *flag.FlagSet, args []string) error {
	cfgPath := fs.String("config", config.DefaultFile, "configuration `FILE` naming the sources")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return &UsageError{Msg: "sync takes no arguments; name sources in " + *cfgPath}
	}
	cfg, err := loadConfig(env, *cfgPath, false)
	if err != nil {
		return err
	}
	res, err := config.Sync(env.Ctx, cfg, env.Stderr)
	n := 0
	for _, r := range res {
		if r.Action != "skipped" {
			n++
		}
	}
	if n == 0 && err == nil {
		fmt.Fprintf(env.Stderr, "ruledex sync: no source in %s names a git address\n", cfg.Path)
	}
	return err
}
