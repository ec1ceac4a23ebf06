package mailserver

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
)

// Header parses the message's header. Field values are as sent; use
// Subject or mime.WordDecoder for encoded text.
func (m Message) Header() (netmail.Header, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return nil, fmt.Errorf("mailserver: parsing the received message: %w", err)
	}
	return msg.Header, nil
}

// Subject returns the decoded Subject ("" if there is none).
func (m Message) Subject() (string, error) {
	h, err := m.Header()
	if err != nil {
		return "", err
	}
	var dec mime.WordDecoder
	s, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil {
		return "", fmt.Errorf("mailserver: decoding the Subject: %w", err)
	}
	return s, nil
}

// Body returns the body decoded from its Content-Transfer-Encoding (7bit,
// 8bit or quoted-printable), with "\n" line endings.
func (m Message) Body() (string, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return "", fmt.Errorf("mailserver: parsing the received message: %w", err)
	}
	r := msg.Body
	switch enc := strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")); enc {
	case "", "7bit", "8bit":
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	default:
		return "", fmt.Errorf("mailserver: unsupported Content-Transfer-Encoding %q", enc)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("mailserver: decoding the body: %w", err)
	}
	return strings.ReplaceAll(string(body), "\r\n", "\n"), nil
}
