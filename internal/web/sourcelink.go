package web

import (
	"net/url"
	"strconv"
	"strings"
)

// Links to a rule's file, at its line, in the web view of its repository
// when that is on a host whose addresses are known:
//
//	GitHub     https://github.com/O/R/blob/REF/PATH#L12
//	GitLab     https://gitlab.com/G/P/-/blob/REF/PATH#L12
//	Bitbucket  https://bitbucket.org/W/R/src/REF/PATH#lines-12
//
// (GitHub: https://docs.github.com/en/repositories/working-with-files/using-files/getting-permanent-links-to-files;
// GitLab: https://docs.gitlab.com/user/project/repository/files/;
// Bitbucket: https://support.atlassian.com/bitbucket-cloud/docs/link-to-a-line-or-range-of-lines-of-code/.)

// repoWeb returns the web address of a repository from its git remote
// (https://host/o/r(.git), git@host:o/r.git, ssh://git@host/o/r.git) and
// the host's name, or "" when it is not an address of a known host.
func repoWeb(remote string) (base, host string) {
	r := strings.TrimSpace(remote)
	switch {
	case strings.HasPrefix(r, "git@"): // scp-like: git@github.com:o/r.git
		h, p, ok := strings.Cut(strings.TrimPrefix(r, "git@"), ":")
		if !ok {
			return "", ""
		}
		r = "https://" + h + "/" + p
	case strings.HasPrefix(r, "ssh://"), strings.HasPrefix(r, "git://"), strings.HasPrefix(r, "http://"):
		u, err := url.Parse(r)
		if err != nil {
			return "", ""
		}
		r = "https://" + u.Hostname() + u.EscapedPath()
	}
	u, err := url.Parse(r)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", ""
	}
	host = strings.ToLower(strings.TrimPrefix(u.Hostname(), "www."))
	switch host {
	case "github.com", "gitlab.com", "bitbucket.org":
	default:
		return "", ""
	}
	p := strings.TrimSuffix(strings.TrimSuffix(u.EscapedPath(), "/"), ".git")
	if strings.Count(strings.Trim(p, "/"), "/") < 1 { // owner/repo at least
		return "", ""
	}
	return "https://" + host + p, host
}

// sourceWebLink returns the address of path at line (0: none) in the web
// view of the repository at remote, at ref (a commit, tag or branch; ""
// means the default branch), or "" when the host is not a known one.
func sourceWebLink(remote, ref, path string, line int) string {
	base, host := repoWeb(remote)
	if base == "" || path == "" {
		return ""
	}
	if ref == "" {
		ref = "HEAD"
	}
	var b strings.Builder
	b.WriteString(base)
	switch host {
	case "github.com":
		b.WriteString("/blob/")
	case "gitlab.com":
		b.WriteString("/-/blob/")
	case "bitbucket.org":
		b.WriteString("/src/")
	}
	b.WriteString(escapeSegments(ref))
	b.WriteByte('/')
	b.WriteString(escapeSegments(strings.TrimPrefix(path, "/")))
	if line > 0 {
		switch host {
		case "bitbucket.org":
			b.WriteString("#lines-")
		default:
			b.WriteString("#L")
		}
		b.WriteString(strconv.Itoa(line))
	}
	return b.String()
}

// escapeSegments escapes each segment of a slash-separated path.
func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// RepoSource returns the git address and ref a build was given for the
// repository name, if any.
func (c *StoreCatalog) RepoSource(name string) (remote, ref string) {
	for _, src := range c.sources {
		if strings.EqualFold(src.Name, name) {
			return src.URL, src.Ref
		}
	}
	return "", ""
}

// ruleSourceLink returns the link of a rule's file at its line: the web
// view of its repository when the build was given a known host's address
// for it, else the build's own link (the file, without the line).
func ruleSourceLink(cat Catalog, repo, path string, line int, built string) string {
	if rs, ok := cat.(interface{ RepoSource(string) (string, string) }); ok {
		if remote, ref := rs.RepoSource(repo); remote != "" {
			if l := sourceWebLink(remote, ref, path, line); l != "" {
				return l
			}
		}
	}
	// The build's link is GitHub's form (blob/REF/PATH): add the line.
	if u := safeURL(built); u != "" {
		if base, host := repoWeb(u); base != "" && host == "github.com" && line > 0 && !strings.Contains(u, "#") {
			return u + "#L" + strconv.Itoa(line)
		}
		return u
	}
	return ""
}
