package supervisorconf

import (
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// glob returns the paths matching pattern as supervisord's
// sorted(glob.glob(pattern)) does. Python's glob differs from
// filepath.Glob: a wildcard never matches a leading dot unless the
// pattern's part starts with one; [!a] negates; a backslash is a plain
// character; an unclosed [ matches itself; directories that cannot be read
// hold nothing; a pattern ending in / matches directories only.
func glob(pattern string) []string {
	out := iglob(pattern, false)
	slices.Sort(out)
	return out
}

func iglob(pathname string, dironly bool) []string {
	dir, base := splitPath(pathname)
	if !hasMagic(pathname) {
		if base != "" && lexists(pathname) || base == "" && isDir(dir) {
			return []string{pathname}
		}
		return nil
	}
	if dir == "" {
		return globIn("", base, dironly)
	}
	dirs := []string{dir}
	if dir != pathname && hasMagic(dir) {
		dirs = iglob(dir, true)
	}
	var out []string
	for _, d := range dirs {
		var names []string
		if hasMagic(base) {
			names = globIn(d, base, dironly)
		} else if base != "" && lexists(joinPath(d, base)) || base == "" && isDir(d) {
			names = []string{base}
		}
		for _, name := range names {
			out = append(out, joinPath(d, name))
		}
	}
	return out
}

// globIn returns the names in dir matching pattern.
func globIn(dir, pattern string, dironly bool) []string {
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
			continue
		}
		if dironly && !isDir(joinPath(dir, name)) {
			continue
		}
		if fnmatch(name, pattern) {
			out = append(out, name)
		}
	}
	return out
}

// splitPath is Python's os.path.split.
func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/') + 1
	dir, base = p[:i], p[i:]
	if dir != "" && strings.Trim(dir, "/") != "" {
		dir = strings.TrimRight(dir, "/")
	}
	return dir, base
}

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

func lexists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// fnmatch reports whether name matches the shell pattern as Python's
// fnmatch.fnmatchcase does: * any run, ? any character, [seq] and [!seq]
// with ranges, everything else (backslash included) itself.
func fnmatch(name, pattern string) bool {
	return matchTokens(pyRunes(name), parsePattern([]rune(pattern)))
}

// pyRunes decodes s as Python decodes a file name: a byte that is not
// UTF-8 becomes the surrogate U+DC80 to U+DCFF.
func pyRunes(s string) []rune {
	var out []rune
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = 0xdc00 + rune(s[i])
		}
		out = append(out, r)
		i += n
	}
	return out
}

// patToken is one element of a pattern: a literal rune, ? (any), * (star)
// or a set.
type patToken struct {
	kind byte // 'l', '?', '*' or '['
	r    rune
	set  runeSet
}

func parsePattern(pat []rune) []patToken {
	var out []patToken
	for i := 0; i < len(pat); {
		c := pat[i]
		i++
		switch c {
		case '*':
			if len(out) == 0 || out[len(out)-1].kind != '*' {
				out = append(out, patToken{kind: '*'})
			}
		case '?':
			out = append(out, patToken{kind: '?'})
		case '[':
			j := i
			if j < len(pat) && pat[j] == '!' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				j++
			}
			for j < len(pat) && pat[j] != ']' {
				j++
			}
			if j >= len(pat) {
				out = append(out, patToken{kind: 'l', r: '['})
				continue
			}
			out = append(out, patToken{kind: '[', set: parseSet(pat[i:j])})
			i = j + 1
		default:
			out = append(out, patToken{kind: 'l', r: c})
		}
	}
	return out
}

func matchTokens(name []rune, pat []patToken) bool {
	if len(pat) == 0 {
		return len(name) == 0
	}
	t := pat[0]
	if t.kind == '*' {
		for i := 0; i <= len(name); i++ {
			if matchTokens(name[i:], pat[1:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	switch t.kind {
	case 'l':
		if name[0] != t.r {
			return false
		}
	case '[':
		if !t.set.contains(name[0]) {
			return false
		}
	}
	return matchTokens(name[1:], pat[1:])
}
