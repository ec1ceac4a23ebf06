package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/golance/golance/plugins/internal/retry"
)

var testDate = time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))

// testMessage is a typical crash notification with every field fixed.
func testMessage() Message {
	return Message{
		From:      "Supervisor <sup@example.com>",
		To:        []string{"ops@example.com", "Dev Team <dev@example.org>"},
		Subject:   "web:web_01 crashed",
		Body:      "Process web_01 in group web exited unexpectedly (pid 42)\nfrom state RUNNING",
		Date:      testDate,
		MessageID: "<1234.abcd@example.com>",
	}
}

func render(t *testing.T, m Message) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo reports %d bytes, wrote %d", n, b.Len())
	}
	return b.Bytes()
}

// checkWireFormat asserts what must hold for any rendered message: CRLF
// line endings only, no line over 998 characters, no control characters in
// the header, and the exact set of header fields given.
func checkWireFormat(t *testing.T, data []byte, fields ...string) *netmail.Message {
	t.Helper()
	s := string(data)
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Errorf("bare CR or LF in rendered message:\n%q", s)
	}
	head, _, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		t.Fatalf("no blank line after the header:\n%q", s)
	}
	for line := range strings.SplitSeq(s, "\r\n") {
		if len(line) > maxLine {
			t.Errorf("line of %d characters", len(line))
		}
	}
	for line := range strings.SplitSeq(head, "\r\n") {
		if i := strings.IndexFunc(line, func(r rune) bool { return unicode.IsControl(r) }); i >= 0 {
			t.Errorf("control character in header line %q", line)
		}
		if line == "" || strings.TrimLeft(line, " \t") == "" {
			t.Errorf("empty or blank header line in\n%q", head)
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("rendered message does not parse: %v\n%q", err, s)
	}
	var got []string
	for k := range msg.Header {
		got = append(got, k)
	}
	want := append([]string{"From", "To", "Date", "Message-Id", "Auto-Submitted", "Mime-Version", "Content-Type", "Content-Transfer-Encoding"}, fields...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("header fields = %v\nwant             %v", got, want)
	}
	for k, v := range msg.Header {
		if len(v) != 1 {
			t.Errorf("header %s appears %d times", k, len(v))
		}
	}
	return msg
}

func decodedBody(t *testing.T, msg *netmail.Message) string {
	t.Helper()
	r := msg.Body
	if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodedSubject(t *testing.T, msg *netmail.Message) string {
	t.Helper()
	var dec mime.WordDecoder
	s, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q does not decode: %v", msg.Header.Get("Subject"), err)
	}
	return s
}

func TestWriteToExactBytes(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.Header = map[string]string{"x-golance-plugin": "crashmail", "X-Golance-Event": "PROCESS_STATE_EXITED"}
	want := "From: \"Supervisor\" <sup@example.com>\r\n" +
		"To: ops@example.com, \"Dev Team\" <dev@example.org>\r\n" +
		"Subject: web:web_01 crashed\r\n" +
		"Date: Mon, 06 May 2024 07:08:09 +0200\r\n" +
		"Message-ID: <1234.abcd@example.com>\r\n" +
		"Auto-Submitted: auto-generated\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"X-Golance-Event: PROCESS_STATE_EXITED\r\n" +
		"X-Golance-Plugin: crashmail\r\n" +
		"\r\n" +
		"Process web_01 in group web exited unexpectedly (pid 42)\r\n" +
		"from state RUNNING\r\n"
	got := render(t, m)
	if string(got) != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
	checkWireFormat(t, got, "Subject", "X-Golance-Event", "X-Golance-Plugin")
}

func TestWriteToNonASCII(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.From = "Überwachung <sup@example.com>"
	m.Subject = "Prozess “wëb:01” ist abgestürzt — 进程崩溃了 🙁"
	m.Body = "Grüße aus der Überwachung\nline two\n"
	data := render(t, m)
	msg := checkWireFormat(t, data, "Subject")
	if got := decodedSubject(t, msg); got != m.Subject {
		t.Errorf("decoded Subject = %q, want %q", got, m.Subject)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Überwachung" || from[0].Address != "sup@example.com" {
		t.Errorf("From = %v, %v", from, err)
	}
	if enc := msg.Header.Get("Content-Transfer-Encoding"); enc != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q, want quoted-printable", enc)
	}
	if got := decodedBody(t, msg); got != "Grüße aus der Überwachung\r\nline two\r\n" {
		t.Errorf("decoded body = %q", got)
	}
	// Each encoded-word fits RFC 2047's 75 characters.
	for _, w := range regexp.MustCompile(`=\?[^ ]*\?=`).FindAllString(string(data), -1) {
		if len(w) > 75 {
			t.Errorf("encoded-word of %d characters: %s", len(w), w)
		}
	}
}

func TestWriteToHostileHeaderText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"CRLF header injection", "web crashed\r\nBcc: victim@example.net", "web crashed Bcc: victim@example.net"},
		{"LF header injection", "web crashed\nX-Injected: yes", "web crashed X-Injected: yes"},
		{"CR header injection", "web crashed\rX-Injected: yes", "web crashed X-Injected: yes"},
		{"blank line ends the header", "web\r\n\r\nfake body", "web fake body"},
		{"NUL and escape", "a\x00b\x1b[31mred\x7f", "a b [31mred"},
		{"C1 next line", "web\u0085X-Injected: yes", "web X-Injected: yes"},
		{"unicode line separator", "web\u2028X-Injected: yes", "web X-Injected: yes"},
		{"tabs and runs of space", "\t web \t\t crashed  ", "web crashed"},
		{"smuggled encoded-word", "=?UTF-8?Q?X-Injected=3A_yes?=", "=?UTF-8?Q?X-Injected=3A_yes?="},
		{"invalid UTF-8", "web \xff\xfe crashed", "web \uFFFD crashed"},
		{"huge word", strings.Repeat("A", 5000), strings.Repeat("A", 5000)},
		{"many words", strings.Repeat("word ", 400) + "end", strings.Repeat("word ", 400) + "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := testMessage()
			m.Subject = tt.in
			m.Header = map[string]string{"X-Process": tt.in}
			m.Body = "body line\n"
			data := render(t, m)
			msg := checkWireFormat(t, data, "Subject", "X-Process")
			if got := decodedSubject(t, msg); got != tt.want {
				t.Errorf("decoded Subject = %q, want %q", got, tt.want)
			}
			var dec mime.WordDecoder
			if got, _ := dec.DecodeHeader(msg.Header.Get("X-Process")); got != tt.want {
				t.Errorf("decoded X-Process = %q, want %q", got, tt.want)
			}
			if got := decodedBody(t, msg); got != "body line\r\n" {
				t.Errorf("body = %q", got)
			}
			// The only recipients are the ones given, whatever the text says.
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 2 {
				t.Errorf("To = %v, %v", to, err)
			}
		})
	}
}

func TestWriteToBodyIsOnlyBody(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.Body = "first\r\n\r\nX-Injected: yes\r\nBcc: victim@example.net\r\n.\r\nMAIL FROM:<evil@example.net>\r\n"
	msg := checkWireFormat(t, render(t, m), "Subject")
	if got := decodedBody(t, msg); got != m.Body {
		t.Errorf("body = %q, want %q", got, m.Body)
	}
}

func TestWriteToBodyEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, encoding, wire, decoded string
	}{
		{"empty", "", "7bit", "", ""},
		{"adds final newline", "one line", "7bit", "one line\r\n", "one line\r\n"},
		{"mixed line endings", "a\rb\r\nc\nd", "7bit", "a\r\nb\r\nc\r\nd\r\n", "a\r\nb\r\nc\r\nd\r\n"},
		{"tabs stay 7bit", "a\tb\n", "7bit", "a\tb\r\n", "a\tb\r\n"},
		{"UTF-8", "naïve\n", "quoted-printable", "na=C3=AFve\r\n", "naïve\r\n"},
		{"control character", "bell\a\n", "quoted-printable", "bell=07\r\n", "bell\a\r\n"},
		{"invalid UTF-8", "bad \xff\n", "quoted-printable", "bad =EF=BF=BD\r\n", "bad \uFFFD\r\n"},
		{"line over 998", strings.Repeat("x", 1000), "quoted-printable", "", strings.Repeat("x", 1000) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := testMessage()
			m.Body = tt.body
			data := render(t, m)
			msg := checkWireFormat(t, data, "Subject")
			if enc := msg.Header.Get("Content-Transfer-Encoding"); enc != tt.encoding {
				t.Errorf("Content-Transfer-Encoding = %q, want %q", enc, tt.encoding)
			}
			_, wire, _ := strings.Cut(string(data), "\r\n\r\n")
			if tt.wire != "" && wire != tt.wire {
				t.Errorf("body on the wire = %q, want %q", wire, tt.wire)
			}
			if got := decodedBody(t, msg); got != tt.decoded {
				t.Errorf("decoded body = %q, want %q", got, tt.decoded)
			}
		})
	}
}

func TestWriteToFoldsLongHeaders(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.To = nil
	for i := range 20 {
		m.To = append(m.To, "Operator Number "+strings.Repeat("x", i)+" <operator"+strings.Repeat("x", i)+"@example.com>")
	}
	m.Subject = strings.Repeat("process web:web_01 exited unexpectedly ", 6)
	data := render(t, m)
	head, _, _ := strings.Cut(string(data), "\r\n\r\n")
	for line := range strings.SplitSeq(head, "\r\n") {
		if len(line) > foldAt {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	msg := checkWireFormat(t, data, "Subject")
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 20 {
		t.Fatalf("To has %d addresses (%v)", len(to), err)
	}
	for i, a := range to {
		if want := "operator" + strings.Repeat("x", i) + "@example.com"; a.Address != want {
			t.Errorf("To[%d] = %q, want %q", i, a.Address, want)
		}
	}
	if got, want := decodedSubject(t, msg), strings.TrimSpace(m.Subject); got != want {
		t.Errorf("Subject unfolds to %q, want %q", got, want)
	}
}

func TestWriteToOmitsEmptySubjectAndFrom(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.Subject = " \r\n "
	m.From = ""
	data := render(t, m)
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := msg.Header["Subject"]; ok {
		t.Error("blank Subject was written")
	}
	if _, ok := msg.Header["From"]; ok {
		t.Error("empty From was written")
	}
}

func TestWriteToGeneratesDateAndMessageID(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.Date = time.Time{}
	m.MessageID = ""
	before := time.Now().Truncate(time.Second)
	msg := checkWireFormat(t, render(t, m), "Subject")
	date, err := msg.Header.Date()
	if err != nil || date.Before(before) || date.After(time.Now()) {
		t.Errorf("Date = %v, %v; want now", date, err)
	}
	id := msg.Header.Get("Message-Id")
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q, want <32 hex digits@example.com>", id)
	}
	other := checkWireFormat(t, render(t, m), "Subject").Header.Get("Message-Id")
	if other == id {
		t.Errorf("two renderings share Message-ID %s", id)
	}
}

func TestIsLocalName(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"root", "ops-team", "a.b", "x+tag", "None"} {
		if !IsLocalName(s) {
			t.Errorf("IsLocalName(%q) = false", s)
		}
	}
	for _, s := range []string{"", "root@example.com", "a,b", "a b", ".a", "a.", "a..b", "r\noot", "Root <root>", "jürgen"} {
		if IsLocalName(s) {
			t.Errorf("IsLocalName(%q) = true", s)
		}
	}
}

func TestWriteToInvalidMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*Message)
		want   string
	}{
		{"no recipient", func(m *Message) { m.To = nil }, "mail has no recipient; give at least one To address"},
		{"injected To", func(m *Message) { m.To = []string{"ops@example.com\r\nBcc: victim@example.net"} }, `invalid To address "ops@example.com Bcc: victim@example.net": mail: expected single address, got "\r\nBcc: victim@example.net"`},
		{"two addresses in one", func(m *Message) { m.To = []string{"a@example.com, b@example.com"} }, `invalid To address "a@example.com, b@example.com": mail: expected single address, got ", b@example.com"`},
		{"not an address", func(m *Message) { m.To = []string{"ops team"} }, `invalid To address "ops team": mail: no angle-addr`},
		{"a local name with a comma", func(m *Message) { m.To = []string{"root,ops"} }, `invalid To address "root,ops": mail: missing '@' or angle-addr`},
		{"injected From", func(m *Message) { m.From = "sup@example.com\nBcc: victim@example.net" }, `invalid From address "sup@example.com Bcc: victim@example.net": mail: expected single address, got "\nBcc: victim@example.net"`},
		{"non-ASCII address", func(m *Message) { m.To = []string{"jürgen@example.com"} }, `To address "jürgen@example.com" has non-ASCII characters, which golance cannot send; use its ASCII (punycode) form`},
		{"reserved extra header", func(m *Message) { m.Header = map[string]string{"bcc": "victim@example.net"} }, `extra mail header "bcc" is set by the mail package itself and cannot be given`},
		{"extra header overriding From", func(m *Message) { m.Header = map[string]string{"FROM": "ceo@example.com"} }, `extra mail header "FROM" is set by the mail package itself and cannot be given`},
		{"extra header name with CRLF", func(m *Message) { m.Header = map[string]string{"X-A\r\nBcc": "x"} }, `extra mail header name "X-A\r\nBcc" is not a valid field name (printable ASCII, no spaces or colons)`},
		{"extra header name with colon", func(m *Message) { m.Header = map[string]string{"X-A:": "x"} }, `extra mail header name "X-A:" is not a valid field name (printable ASCII, no spaces or colons)`},
		{"duplicate extra header", func(m *Message) { m.Header = map[string]string{"X-A": "1", "x-a": "2"} }, `extra mail header "X-A" is given twice with different spellings`},
		{"bad Message-ID", func(m *Message) { m.MessageID = "abc\r\nBcc: x@y" }, `invalid Message-ID "abc Bcc: x@y"; give it as <unique@domain>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := testMessage()
			tt.modify(&m)
			var b bytes.Buffer
			n, err := m.WriteTo(&b)
			if err == nil {
				t.Fatalf("no error; rendered:\n%s", b.String())
			}
			if n != 0 || b.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", b.Len())
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidMessage) || !retry.IsPermanent(err) {
				t.Errorf("err %v: Is(ErrInvalidMessage) = %v, permanent = %v", err, errors.Is(err, ErrInvalidMessage), retry.IsPermanent(err))
			}
		})
	}
}

func TestEncodeWordsSplitsOnCharacters(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("日本語テキスト", 20)
	enc := encodeWords(s)
	var dec mime.WordDecoder
	got, err := dec.DecodeHeader(enc)
	if err != nil || got != s {
		t.Fatalf("round trip = %q, %v", got, err)
	}
	for w := range strings.SplitSeq(enc, " ") {
		if len(w) > 75 {
			t.Errorf("encoded-word of %d characters", len(w))
		}
		if _, err := dec.Decode(w); err != nil {
			t.Errorf("encoded-word %q alone does not decode: %v", w, err)
		}
	}
}

// FuzzWriteTo checks that no subject, extra header value or body, however
// hostile, changes the set of header fields or escapes its field.
func FuzzWriteTo(f *testing.F) {
	f.Add("web crashed\r\nBcc: victim@example.net", "x\ny", "body\r\n.\r\n")
	f.Add("=?UTF-8?B?QmNjOiB2aWN0aW0=?=", "\u0085\u2028", "\xff\xfe")
	f.Add(strings.Repeat("é", 300), strings.Repeat("a", 1200), strings.Repeat("b", 2000))
	f.Fuzz(func(t *testing.T, subject, value, body string) {
		m := testMessage()
		m.Subject, m.Body = subject, body
		m.Header = map[string]string{"X-Process": value}
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatalf("WriteTo: %v", err)
		}
		fields := []string{"Subject", "X-Process"}
		if headerText(subject) == "" {
			fields = slices.DeleteFunc(fields, func(s string) bool { return s == "Subject" })
		}
		if headerText(value) == "" {
			fields = slices.DeleteFunc(fields, func(s string) bool { return s == "X-Process" })
		}
		msg := checkWireFormat(t, b.Bytes(), fields...)
		clean := strings.Join(strings.FieldsFunc(strings.ToValidUTF8(subject, "\uFFFD"), func(r rune) bool {
			return unicode.IsControl(r) || unicode.IsSpace(r)
		}), " ")
		if got := decodedSubject(t, msg); got != clean {
			t.Errorf("Subject decodes to %q, want %q", got, clean)
		}
	})
}

func BenchmarkWriteTo(b *testing.B) {
	m := testMessage()
	m.Subject = "Prozess wëb:01 ist abgestürzt"
	m.Body = strings.Repeat("2024-05-06 07:08:09,123 -- Process web:web_01 (pid 42) died unexpectedly\n", 50)
	for b.Loop() {
		if _, err := m.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
