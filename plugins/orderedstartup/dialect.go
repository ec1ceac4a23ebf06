package orderedstartup

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// literalMark is put before a value that starts with a backquote or three
// double quotes, which ini would read as a quoted multi-line value while
// supervisord reads it as text; cleanValue removes it again.
const literalMark = "\x00"

// normalize rewrites a supervisord configuration file into the plain form
// gopkg.in/ini.v1 reads exactly as supervisord's parser (Python 3's
// configparser with inline comment prefixes ";" and "#") reads the
// original. Two of that parser's rules cannot be configured in ini, so
// they are applied here, line by line:
//
//   - Comments. A line whose first non-blank character is ";" or "#" is a
//     comment, even inside a multi-line value. Elsewhere a ";" or "#"
//     starts a comment only at the start of the line or after white space
//     (a tab as well as a space), so "http://host/#x" and "a;b" are values.
//   - Continuation lines. A line indented deeper than the line that
//     started the current option continues its value, and blank lines
//     between continuation lines are kept as empty lines of the value.
//
// The output has every section header and option line at the start of a
// line and every continuation line indented by one space, so that ini's
// Python-style multi-line values, section handling, key folding and
// duplicate merging do the rest.
func normalize(src []byte) ([]byte, error) {
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n") // Python reads files with universal newlines
	var out bytes.Buffer
	var (
		inOption   bool // an option line was read and may be continued
		inSection  bool
		indent     int // indentation of the last section or option line
		blankLines int // blank lines seen inside the current option
	)
	for n, line := range strings.Split(text, "\n") {
		cut := inlineCommentStart(line)
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, ";") || strings.HasPrefix(trimmed, "#") {
			cut = 0
		}
		value := line
		if cut >= 0 {
			value = line[:cut]
		}
		value = strings.TrimSpace(value)
		if value == "" {
			// A blank line may sit between continuation lines; a line
			// holding only a comment is dropped without a trace.
			if cut < 0 && inOption {
				blankLines++
			}
			continue
		}
		level := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) })
		if inOption && level > indent {
			for ; blankLines > 0; blankLines-- {
				out.WriteString(" \n")
			}
			out.WriteString(" " + value + "\n")
			continue
		}
		blankLines = 0
		indent = level
		if strings.HasPrefix(value, "[") {
			if end := strings.LastIndexByte(value, ']'); end > 1 {
				out.WriteString(value[:end+1] + "\n")
				inSection, inOption = true, false
				continue
			}
		}
		if !inSection {
			return nil, fmt.Errorf("line %d: %q comes before any [section] header", n+1, value)
		}
		eq := strings.IndexAny(value, "=:")
		if eq < 0 {
			return nil, fmt.Errorf("line %d: %q is neither a [section] header nor a key=value line", n+1, value)
		}
		key := strings.TrimSpace(value[:eq])
		if key == "" {
			return nil, fmt.Errorf("line %d: %q has no key before its %q", n+1, value, value[eq])
		}
		val := strings.TrimSpace(value[eq+1:])
		if strings.HasPrefix(val, "`") || strings.HasPrefix(val, `"""`) {
			val = literalMark + val
		}
		out.WriteString(key + " = " + val + "\n")
		inOption = true
	}
	return out.Bytes(), nil
}

// inlineCommentStart returns where an inline comment starts in line, or
// -1. It follows configparser exactly: it looks at the first ";" and the
// first "#", then at the next of each, and so on, and stops at the first
// round in which one of them is at the start of the line or after white
// space; the comment starts at the earliest such one of that round.
func inlineCommentStart(line string) int {
	type prefix struct {
		ch  byte
		pos int
	}
	active := []prefix{{';', -1}, {'#', -1}}
	start := -1
	for start < 0 && len(active) > 0 {
		var next []prefix
		for _, p := range active {
			i := strings.IndexByte(line[p.pos+1:], p.ch)
			if i < 0 {
				continue
			}
			i += p.pos + 1
			next = append(next, prefix{p.ch, i})
			if i == 0 {
				start = 0
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(line[:i]); unicode.IsSpace(r) && (start < 0 || i < start) {
				start = i
			}
		}
		active = next
	}
	return start
}
