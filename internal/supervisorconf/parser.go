package supervisorconf

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/golance/golance/internal/pyfmt"
)

// parser reads files into a Config line by line, with the rules of
// Python's configparser as supervisord's UnhosedConfigParser sets it up
// (RawConfigParser, inline comments after ; and #, strict=False):
//
//   - A line whose first non-blank character is ; or # is a comment, even
//     among the lines of a value. Elsewhere ; and # start a comment only at
//     the start of a line or after white space, so http://host/#x and a;b
//     are values. configparser looks for the first ; and the first #, then
//     the next of each, and stops at the first round in which one of them
//     starts a comment.
//   - A line indented deeper than the line that started the key continues
//     its value; blank lines between continuation lines are kept, trailing
//     ones dropped. After a section header nothing is continued, so an
//     indented key there is a key.
//   - [header] is everything between the first [ and the last ]. A header
//     seen before merges into the earlier section; later keys win. Key
//     names fold to lower case, section names do not.
//   - key = value or key: value, split at the first = or :.
//
// White space is Python's (str.isspace), indentation counts characters,
// and lines end at \n, \r\n or \r, as Python reads text files.
type parser struct {
	cfg  *Config
	file string

	sect     *Section // the section being read, or cfg.defaults
	key      string   // the key a continuation line would continue
	indent   int
	badLines []int
}

// parse reads one file's text into p.cfg.
func (p *parser) parse(text string) error {
	if !utf8.ValidString(text) {
		line := 1 + strings.Count(text[:invalidUTF8(text)], "\n")
		return &Error{File: p.file, Line: line, Problem: "the file is not UTF-8, which supervisord reads it as", Fix: "save it as UTF-8"}
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, line := range lines {
		if err := p.line(i+1, line); err != nil {
			return err
		}
	}
	p.join()
	if len(p.badLines) > 0 {
		n := p.badLines[0]
		return &Error{File: p.file, Line: n, Problem: fmt.Sprintf("%s is neither a [section] header nor key = value", pyfmt.Repr(strings.TrimRight(lines[n-1], "\n"))),
			Fix: "write key = value, indent it deeper to continue the value above, or start it with ; to make it a comment"}
	}
	return nil
}

func (p *parser) line(n int, line string) error {
	cut := commentStart(line)
	if t := pyfmt.TrimSpace(line); strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		cut = 0
	}
	value := line
	if cut >= 0 {
		value = line[:cut]
	}
	value = pyfmt.TrimSpace(value)
	if value == "" {
		// A blank line may sit between the lines of a value; a line that
		// held only a comment leaves no trace.
		if cut < 0 && p.sect != nil && p.key != "" {
			v := p.sect.keys[p.key]
			v.lines = append(v.lines, "")
		}
		return nil
	}
	indent := 0
	for _, r := range line {
		if !pyfmt.IsSpace(r) {
			break
		}
		indent++
	}
	if p.sect != nil && p.key != "" && indent > p.indent {
		v := p.sect.keys[p.key]
		v.lines = append(v.lines, value)
		return nil
	}
	p.indent = indent
	if end := strings.LastIndexByte(value, ']'); value[0] == '[' && end > 1 {
		name := value[1:end]
		switch s, seen := p.cfg.byName[name]; {
		case seen:
			p.sect = s
		case name == "DEFAULT":
			p.sect = p.cfg.defaults
		default:
			p.sect = newSection(name, p.file, n)
			p.cfg.byName[name] = p.sect
			p.cfg.sections = append(p.cfg.sections, p.sect)
		}
		p.key = ""
		return nil
	}
	if p.sect == nil && strings.HasPrefix(line, "\ufeff") {
		return &Error{File: p.file, Line: n, Problem: "the file starts with a byte order mark, which supervisord reads as text before any [section] header",
			Fix: "save it as UTF-8 without a BOM"}
	}
	if p.sect == nil {
		return &Error{File: p.file, Line: n, Problem: fmt.Sprintf("%s comes before any [section] header", pyfmt.Repr(strings.TrimRight(line, "\n"))),
			Fix: "start the file with a section such as [supervisord]"}
	}
	d := strings.IndexAny(value, "=:")
	if d < 0 {
		p.badLines = append(p.badLines, n)
		return nil
	}
	key := foldKey(rstrip(value[:d]))
	if key == "" {
		// configparser stores the value under an empty name, goes on,
		// and refuses the file at its end.
		p.badLines = append(p.badLines, n)
	}
	p.sect.set(key, &Value{File: p.file, Line: n, lines: []string{pyfmt.TrimSpace(value[d+1:])}})
	p.key = key
	return nil
}

// join turns the lines of every value read so far into its text.
func (p *parser) join() {
	for _, s := range append([]*Section{p.cfg.defaults}, p.cfg.sections...) {
		for _, v := range s.keys {
			if v.lines != nil {
				v.Text = rstrip(strings.Join(v.lines, "\n"))
				v.lines = nil
			}
		}
	}
}

// commentStart returns where an inline comment starts in line, or -1,
// by configparser's rounds: the first ; and the first #, then the next of
// each, until one of them is at the start or after white space.
func commentStart(line string) int {
	prefixes := []byte{';', '#'}
	from := []int{-1, -1}
	for {
		start, active := -1, false
		for i, c := range prefixes {
			if from[i] == len(line) {
				continue
			}
			j := strings.IndexByte(line[from[i]+1:], c)
			if j < 0 {
				from[i] = len(line)
				continue
			}
			j += from[i] + 1
			from[i], active = j, true
			if r, _ := utf8.DecodeLastRuneInString(line[:j]); j == 0 || pyfmt.IsSpace(r) {
				if start < 0 || j < start {
					start = j
				}
			}
		}
		if start >= 0 || !active {
			return start
		}
	}
}

// foldKey is configparser's optionxform: str.lower().
func foldKey(k string) string { return pyLower(k) }

// rstrip is Python's str.rstrip().
func rstrip(s string) string {
	return strings.TrimRightFunc(s, pyfmt.IsSpace)
}

// invalidUTF8 returns the offset of the first byte that is not UTF-8.
func invalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return len(s)
}
