package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// SyncResult tells what Sync did to one source.
type SyncResult struct {
	Source Source
	Action string // cloned, updated, unchanged, skipped (no git address), failed
	Head   string // commit checked out afterwards
	Err    error
}

// Sync clones every source of cfg that names a git address and is not
// checked out yet, and updates the others: fetch, then check out ref (or
// fast-forward the current branch). Progress lines go to log. It goes on
// after a source fails and returns every result; err is non-nil when any
// source failed.
func Sync(ctx context.Context, cfg *Config, log io.Writer) ([]SyncResult, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("sync needs git: %w", err)
	}
	var results []SyncResult
	failed := 0
	for _, s := range cfg.Sources {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		res := syncOne(ctx, s, log)
		if res.Err != nil {
			failed++
			fmt.Fprintf(log, "%s: %v\n", s.Name, res.Err)
		} else if res.Action != "skipped" {
			fmt.Fprintf(log, "%s: %s at %s\n", s.Name, res.Action, short(res.Head))
		}
		results = append(results, res)
	}
	if failed > 0 {
		return results, fmt.Errorf("%d of %d sources failed to sync", failed, len(cfg.Sources))
	}
	return results, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func syncOne(ctx context.Context, s Source, log io.Writer) (res SyncResult) {
	res.Source = s
	if s.Git == "" {
		res.Action = "skipped"
		return res
	}
	defer func() {
		if res.Err != nil {
			res.Action = "failed"
		}
	}()
	if _, err := os.Stat(filepath.Join(s.Path, ".git")); err != nil {
		if ents, err := os.ReadDir(s.Path); err == nil && len(ents) > 0 {
			res.Err = fmt.Errorf("%s exists and is not a git checkout", s.Path)
			return res
		}
		if err := os.MkdirAll(filepath.Dir(s.Path), 0o755); err != nil {
			res.Err = err
			return res
		}
		fmt.Fprintf(log, "%s: cloning %s\n", s.Name, s.Git)
		// Clone into a folder beside the target and rename it when whole: a
		// clone cut short (a hung remote, Ctrl-C) leaves no half checkout
		// that would make every later sync fail.
		tmp, err := os.MkdirTemp(filepath.Dir(s.Path), "."+filepath.Base(s.Path)+".clone-")
		if err != nil {
			res.Err = err
			return res
		}
		defer os.RemoveAll(tmp)
		if _, err := git(ctx, "", "clone", "--quiet", "--", s.Git, tmp); err != nil {
			res.Err = err
			return res
		}
		if s.Ref != "" {
			if _, err := git(ctx, tmp, "checkout", "--quiet", s.Ref, "--"); err != nil {
				res.Err = err
				return res
			}
		}
		os.Remove(s.Path) // an empty folder in the way
		if err := os.Rename(tmp, s.Path); err != nil {
			res.Err = err
			return res
		}
		res.Action = "cloned"
		res.Head, res.Err = git(ctx, s.Path, "rev-parse", "HEAD")
		return res
	}
	before, err := git(ctx, s.Path, "rev-parse", "HEAD")
	if err != nil {
		res.Err = err
		return res
	}
	if url, err := git(ctx, s.Path, "remote", "get-url", "origin"); err == nil && url != s.Git {
		if _, err := git(ctx, s.Path, "remote", "set-url", "origin", "--", s.Git); err != nil {
			res.Err = err
			return res
		}
	}
	if _, err := git(ctx, s.Path, "fetch", "--quiet", "--tags", "--force", "origin"); err != nil {
		res.Err = err
		return res
	}
	if s.Ref != "" {
		target := s.Ref
		// A branch of the remote: move the local branch to it.
		if _, err := git(ctx, s.Path, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/"+s.Ref); err == nil {
			if _, err := git(ctx, s.Path, "checkout", "--quiet", "-B", s.Ref, "origin/"+s.Ref, "--"); err != nil {
				res.Err = err
				return res
			}
		} else if _, err := git(ctx, s.Path, "checkout", "--quiet", target, "--"); err != nil {
			res.Err = err
			return res
		}
	} else if _, err := git(ctx, s.Path, "symbolic-ref", "--quiet", "HEAD"); err == nil {
		if _, err := git(ctx, s.Path, "merge", "--ff-only", "--quiet", "@{upstream}"); err != nil {
			res.Err = err
			return res
		}
	}
	res.Head, res.Err = git(ctx, s.Path, "rev-parse", "HEAD")
	res.Action = "updated"
	if res.Head == before {
		res.Action = "unchanged"
	}
	return res
}

// Bounds on one git command. A remote that accepts the connection and
// never answers must not hold sync for ever: git gives up when the transfer
// stays under lowSpeedLimit bytes a second for lowSpeedTime seconds (http),
// and every command has gitTimeout in all.
var (
	gitTimeout    = 30 * time.Minute
	lowSpeedLimit = "1000"
	lowSpeedTime  = "60"
)

// git runs git with args in dir and returns its output, trimmed. It runs in
// its own process group, killed whole (the remote helpers git starts
// included) when ctx ends or the command outlives gitTimeout; only the
// transports of gitTransports are allowed.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	full := append([]string{
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always", "-c", "protocol.ssh.allow=always",
		"-c", "protocol.git.allow=always", "-c", "protocol.file.allow=always",
		"-c", "http.lowSpeedLimit=" + lowSpeedLimit, "-c", "http.lowSpeedTime=" + lowSpeedTime,
	}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_SSH_COMMAND=ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4")
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if ctx.Err() != nil {
			msg = "stopped: " + context.Cause(ctx).Error()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				msg = fmt.Sprintf("no end after %s; stopped", gitTimeout)
			}
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(out.String()), nil
}
