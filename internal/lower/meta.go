package lower

import "strings"

// SplitAuthors splits an author string (Sigma's author, Sentinel's, a markdown header's) on its commas (outside
// parentheses, which hold affiliations such as "(Nextron Systems)").
func SplitAuthors(s string) []string {
	var out []string
	depth, start := 0, 0
	add := func(a string) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	for i, c := range s {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				add(s[start:i])
				start = i + 1
			}
		}
	}
	add(s[start:])
	return out
}
