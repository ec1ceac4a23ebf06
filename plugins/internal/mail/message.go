package mail

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is one plain-text mail.
type Message struct {
	// From is the sender, "addr@example.com" or "Name <addr@example.com>".
	// SMTP needs it; Sendmail may go without, and sendmail then fills in
	// the local user.
	From string
	// To lists the recipients, one address per entry, in either form,
	// or a local mailbox name such as "root", which only Sendmail can
	// deliver (sendmail -t delivers it on this host, as superlance's
	// plugins relied on); SMTP refuses it.
	To []string
	// Subject is free text; control characters become spaces and non-ASCII
	// text is RFC 2047 encoded. An empty Subject leaves the header out, as
	// superlance's crashsms does.
	Subject string
	// Body is UTF-8 text; any line ending ("\n", "\r\n", "\r") is accepted.
	Body string
	// Header holds extra header fields, written after the standard ones in
	// the order of their names and treated like Subject. The fields this
	// package writes itself, and Cc and Bcc (which SMTP would not deliver
	// to), cannot be set here.
	Header map[string]string
	// Date is the Date header; zero means the time of rendering.
	Date time.Time
	// MessageID is the Message-ID, with or without angle brackets; empty
	// means a new random one. Deliver fixes it before the first attempt so
	// that a retried mail keeps its identity.
	MessageID string
}

// reserved are the header fields the renderer owns, canonicalised.
var reserved = []string{
	"From", "To", "Cc", "Bcc", "Subject", "Date", "Message-Id", "Auto-Submitted",
	"Mime-Version", "Content-Type", "Content-Transfer-Encoding",
}

const (
	// foldAt is where header lines are folded when a space allows it
	// (RFC 5322 §2.1.1 recommends 78 characters).
	foldAt = 78
	// maxLine is RFC 5322's hard limit on a line, CRLF excluded.
	maxLine = 998
	// maxWord is the longest run without a space that Subject and extra
	// headers may have before they are encoded, which splits it up.
	maxWord = 900
)

// rendered is a Message ready for the wire.
type rendered struct {
	from  string   // envelope sender, "" if the Message has no From
	to    []string // envelope recipients
	local []string // the recipients that are local mailbox names
	data  []byte   // the whole message, CRLF line endings
}

// WriteTo writes the message as it goes on the wire: headers, a blank line
// and the body, every line ending in CRLF. It writes nothing and returns an
// error wrapping ErrInvalidMessage if the message cannot be rendered.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	r, err := m.render()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(r.data)
	return int64(n), err
}

func (m Message) render() (*rendered, error) {
	var r rendered
	var h header

	var from string
	if m.From != "" {
		a, err := parseAddress("From", m.From)
		if err != nil {
			return nil, err
		}
		r.from = a.Address
		from = formatAddress(a)
		h.add("From", from)
	}
	if len(m.To) == 0 {
		return nil, invalid(nil, "mail has no recipient; give at least one To address")
	}
	list := make([]string, 0, len(m.To))
	for _, s := range m.To {
		if IsLocalName(s) {
			r.to, r.local = append(r.to, s), append(r.local, s)
			list = append(list, s)
			continue
		}
		a, err := parseAddress("To", s)
		if err != nil {
			return nil, err
		}
		r.to = append(r.to, a.Address)
		list = append(list, formatAddress(a))
	}
	h.add("To", strings.Join(list, ", "))
	if s := headerText(m.Subject); s != "" {
		h.add("Subject", s)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	h.add("Date", date.Format(time.RFC1123Z))
	id, err := messageID(m.MessageID, r.from)
	if err != nil {
		return nil, err
	}
	h.add("Message-ID", id)
	// RFC 3834: tells vacation responders not to answer a machine.
	h.add("Auto-Submitted", "auto-generated")
	h.add("MIME-Version", "1.0")
	h.add("Content-Type", "text/plain; charset=UTF-8")
	body, encoding := encodeBody(m.Body)
	h.add("Content-Transfer-Encoding", encoding)

	names := make([]string, 0, len(m.Header))
	extra := make(map[string]string, len(m.Header))
	for name, value := range m.Header {
		if !validFieldName(name) {
			return nil, invalid(nil, "extra mail header name %q is not a valid field name (printable ASCII, no spaces or colons)", name)
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if slices.Contains(reserved, canon) {
			return nil, invalid(nil, "extra mail header %q is set by the mail package itself and cannot be given", name)
		}
		if _, dup := extra[canon]; dup {
			return nil, invalid(nil, "extra mail header %q is given twice with different spellings", canon)
		}
		extra[canon] = value
		names = append(names, canon)
	}
	slices.Sort(names)
	for _, name := range names {
		if s := headerText(extra[name]); s != "" {
			h.add(name, s)
		}
	}
	if h.err != nil {
		return nil, h.err
	}

	h.buf.WriteString("\r\n")
	h.buf.Write(body)
	r.data = h.buf.Bytes()
	return &r, nil
}

// header accumulates folded header fields.
type header struct {
	buf bytes.Buffer
	err error
}

// add writes "Name: value" folded at spaces. value must already be free of
// control characters; add refuses it otherwise, as the last line of defence
// against header injection.
func (h *header) add(name, value string) {
	if h.err != nil {
		return
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		h.err = invalid(nil, "mail header %s contains control character %q", name, value[i:i+1])
		return
	}
	h.buf.WriteString(name)
	h.buf.WriteByte(':')
	lineLen := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word != "" && lineLen+1+len(word) > foldAt {
			// Folding turns the space before word into CRLF SP; unfolding
			// gives back the same text.
			h.buf.WriteString("\r\n")
			lineLen = 0
		}
		h.buf.WriteByte(' ')
		h.buf.WriteString(word)
		lineLen += 1 + len(word)
		if lineLen > maxLine {
			h.err = invalid(nil, "mail header %s has a word too long for a header line", name)
			return
		}
	}
	h.buf.WriteString("\r\n")
}

// parseAddress accepts exactly one address, as "a@b" or "Name <a@b>".
func parseAddress(field, s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, invalid(err, "invalid %s address %q: %v", field, truncate(oneLine(s), 200), err)
	}
	for _, r := range a.Address {
		if r >= utf8.RuneSelf {
			return nil, invalid(nil, "%s address %q has non-ASCII characters, which golance cannot send; use its ASCII (punycode) form", field, a.Address)
		}
	}
	return a, nil
}

// IsLocalName reports whether s is a local mailbox name ("root",
// "ops-team"): the local part of an address without its domain, as a
// local sendmail delivers it. Only the characters RFC 5322 allows in an
// unquoted local part are accepted, so that nothing in it can be read as
// more than one recipient or as a header.
func IsLocalName(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", rune(c)) {
			return false
		}
	}
	return true
}

// formatAddress renders an address, encoding a non-ASCII display name and
// leaving a bare address bare.
func formatAddress(a *netmail.Address) string {
	if a.Name == "" {
		return strings.TrimSuffix(strings.TrimPrefix(a.String(), "<"), ">")
	}
	return a.String()
}

// headerText turns free text into a safe header value: invalid UTF-8 is
// replaced, every run of control characters and white space becomes one
// space (so CR and LF can never end the field), and text that is not plain
// ASCII is RFC 2047 encoded.
func headerText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r)
	}), " ")
	if needsEncoding(s) {
		return encodeWords(s)
	}
	return s
}

// needsEncoding reports whether s must be sent as encoded-words: it has
// non-ASCII bytes, a word too long to fold, or a literal "=?" that a reader
// would otherwise decode as an encoded-word of the sender's choosing.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	if strings.Contains(s, "=?") {
		return true
	}
	for word := range strings.SplitSeq(s, " ") {
		if len(word) > maxWord {
			return true
		}
	}
	return false
}

// encodeWords encodes s as RFC 2047 "Q" encoded-words of at most 75
// characters each, split between whole characters and separated by spaces
// (which decoders drop between encoded-words).
func encodeWords(s string) string {
	const prefix, suffix = "=?UTF-8?Q?", "?="
	const room = 75 - len(prefix) - len(suffix)
	var words []string
	var cur strings.Builder
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("!*+-/", r)):
			// The characters RFC 2047 §5(3) allows everywhere.
			enc = string(r)
		default:
			n := utf8.EncodeRune(buf[:], r)
			for _, b := range buf[:n] {
				enc += fmt.Sprintf("=%02X", b)
			}
		}
		if cur.Len()+len(enc) > room {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	if cur.Len() > 0 {
		words = append(words, prefix+cur.String()+suffix)
	}
	return strings.Join(words, " ")
}

func isAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// validFieldName reports whether name is an RFC 5322 field name.
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// encodeBody returns the body with CRLF line endings and the transfer
// encoding used: 7bit when it is short-lined printable ASCII, readable as
// is in any mail log, and quoted-printable otherwise.
func encodeBody(s string) ([]byte, string) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if plainASCII(s) {
		return []byte(strings.ReplaceAll(s, "\n", "\r\n")), "7bit"
	}
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = io.WriteString(w, s)
	_ = w.Close()
	out := b.Bytes()
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return out, "quoted-printable"
}

// plainASCII reports whether s (with "\n" line endings) can be sent 7bit.
func plainASCII(s string) bool {
	lineLen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			lineLen = 0
			continue
		case c == '\t' || (c >= ' ' && c <= '~'):
		default:
			return false
		}
		lineLen++
		if lineLen > maxLine {
			return false
		}
	}
	return true
}

// messageID returns the Message-ID header value: id in angle brackets if
// given, else a new random one in the sender's domain.
func messageID(id, from string) (string, error) {
	if id == "" {
		return newMessageID(from), nil
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	left, right, ok := strings.Cut(inner, "@")
	valid := ok && left != "" && right != "" && !strings.Contains(right, "@")
	for i := 0; valid && i < len(inner); i++ {
		c := inner[i]
		valid = c > ' ' && c <= '~' && c != '<' && c != '>' && c != '"' && c != '\\'
	}
	if !valid {
		return "", invalid(nil, "invalid Message-ID %q; give it as <unique@domain>", truncate(oneLine(id), 200))
	}
	return "<" + inner + ">", nil
}

// newMessageID returns a random <hex@domain>, taking the domain from the
// sender's address, else this host's name.
func newMessageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "<" + hex.EncodeToString(b[:]) + "@" + idDomain(from) + ">"
}

// KeyedMessageID returns the Message-ID of the mail about the notification
// with the given idempotency key (outbox.Item.Key): the same key always
// gives the same id, so a mail sent again after the listener was killed in
// the middle of sending it is recognisable as the same mail. from gives
// the domain, as for a random id.
func KeyedMessageID(key, from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		from = a.Address
	}
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + idDomain(from) + ">"
}

// idDomain is the domain part of a Message-ID: the sender's, else this
// host's name.
func idDomain(from string) string {
	domain := ""
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	if !validDomain(domain) {
		domain, _ = os.Hostname()
	}
	if !validDomain(domain) {
		domain = "localhost.localdomain"
	}
	return domain
}

// validDomain reports whether s is a plain host name usable in an id.
func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}
