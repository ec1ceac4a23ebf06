package supervisorconf

import (
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// shlex is Python's shlex.shlex lexer, in the two modes supervisord uses:
// POSIX with whitespace_split and no comments, which is shlex.split and
// splits command= lines; and the default (non-POSIX) mode with
// "/.+-():" added to the word characters, which reads environment= lines.
// In the latter, quotes stay in the tokens, # starts a comment, and any
// other character that is not a word character (an é, a $, a ;) is a
// token of its own.
type shlex struct {
	in    []rune
	pos   int
	posix bool
	// state is ' ' between tokens, 'a' in a word, a quote inside quotes,
	// \ after an escape, 0 at the end.
	state     rune
	pushback  []string
	wordExtra string
}

// Python's exceptions, which supervisord repeats.
var (
	errNoClosingQuotation = &pyfmt.Error{Type: "ValueError", Msg: "No closing quotation"}
	errNoEscapedCharacter = &pyfmt.Error{Type: "ValueError", Msg: "No escaped character"}
)

// SplitCommand splits a command= line into arguments as supervisord does,
// with Python's shlex.split: words separated by space, tab, \r or \n;
// single quotes keep everything; double quotes keep everything but \" and
// \\; a backslash outside quotes keeps the next character.
func SplitCommand(s string) ([]string, error) {
	l := &shlex{in: []rune(s), posix: true, state: ' '}
	var args []string
	for {
		tok, ok, err := l.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return args, nil
		}
		args = append(args, tok)
	}
}

func (l *shlex) read() (rune, bool) {
	if l.pos >= len(l.in) {
		return 0, false
	}
	l.pos++
	return l.in[l.pos-1], true
}

// skipLine is readline(): the rest of the line, its \n included.
func (l *shlex) skipLine() {
	for l.pos < len(l.in) && l.in[l.pos] != '\n' {
		l.pos++
	}
	if l.pos < len(l.in) {
		l.pos++
	}
}

func isShlexSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

func (l *shlex) isWord(r rune) bool {
	return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') ||
		strings.ContainsRune(l.wordExtra, r)
}

func isQuote(r rune) bool { return r == '\'' || r == '"' }

// next returns the next token, or false at the end, as get_token does.
func (l *shlex) next() (string, bool, error) {
	if len(l.pushback) > 0 {
		tok := l.pushback[0]
		l.pushback = l.pushback[1:]
		return tok, true, nil
	}
	var tok []rune
	quoted := false
	escaped := ' ' // the state an escape returns to
	for {
		c, more := l.read()
		switch {
		case l.state == 0:
			return "", false, nil
		case l.state == ' ':
			switch {
			case !more:
				l.state = 0
				return l.result(tok, quoted)
			case isShlexSpace(c):
				if len(tok) > 0 || l.posix && quoted {
					return l.result(tok, quoted)
				}
			case !l.posix && c == '#':
				l.skipLine()
			case l.posix && c == '\\':
				escaped, l.state = 'a', c
			case l.isWord(c):
				tok, l.state = []rune{c}, 'a'
			case isQuote(c):
				if !l.posix {
					tok = []rune{c}
				}
				l.state = c
			case l.posix: // whitespace_split
				tok, l.state = []rune{c}, 'a'
			default:
				return string(c), true, nil
			}
		case isQuote(l.state):
			quoted = true
			switch {
			case !more:
				return "", false, errNoClosingQuotation
			case c == l.state && !l.posix:
				l.state = ' '
				return string(append(tok, c)), true, nil
			case c == l.state:
				l.state = 'a'
			case l.posix && c == '\\' && l.state == '"':
				escaped, l.state = l.state, c
			default:
				tok = append(tok, c)
			}
		case l.state == '\\':
			if !more {
				return "", false, errNoEscapedCharacter
			}
			// Inside double quotes a backslash escapes only " and \.
			if isQuote(escaped) && c != '\\' && c != escaped {
				tok = append(tok, '\\')
			}
			tok = append(tok, c)
			l.state = escaped
		default: // in a word
			switch {
			case !more:
				l.state = 0
				return l.result(tok, quoted)
			case isShlexSpace(c):
				l.state = ' '
				if len(tok) > 0 || l.posix && quoted {
					return l.result(tok, quoted)
				}
			case !l.posix && c == '#':
				l.skipLine() // and the word goes on
			case l.posix && isQuote(c):
				l.state = c
			case l.posix && c == '\\':
				escaped, l.state = 'a', c
			case l.posix || l.isWord(c) || isQuote(c):
				tok = append(tok, c)
			default:
				l.pushback = append(l.pushback, string(c))
				l.state = ' '
				if len(tok) > 0 {
					return l.result(tok, quoted)
				}
			}
		}
	}
}

// result ends a token: in POSIX mode an empty one counts only if quoted;
// in the other mode an empty one is the end, as its eof is "".
func (l *shlex) result(tok []rune, quoted bool) (string, bool, error) {
	if len(tok) == 0 && !(l.posix && quoted) {
		return "", false, nil
	}
	return string(tok), true, nil
}
