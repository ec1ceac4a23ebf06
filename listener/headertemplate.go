package listener

import "bytes"

// A headerTemplate is the last header of supervisord's own form, cut
// around its three numbers. Consecutive headers from one pool usually
// differ in nothing else (the serials rise, len varies, the rest repeats),
// so a line that matches the template is read with three comparisons and
// three runs of digits: a fifth of the instructions of reading it field by
// field. On every line it matches it agrees with parseCanonical
// (FuzzHeaderTemplate).
type headerTemplate struct {
	h    Header // the strings of the last header
	buf  []byte // head, mid and tail, end to end
	head int    // buf[:head] is "ver:V server:S serial:"
	mid  int    // buf[head:mid] is " pool:P poolserial:"
	// buf[mid:] is " eventname:E len:"
}

// remember makes h, which parseCanonical read, the template.
func (t *headerTemplate) remember(h Header) {
	b := append(t.buf[:0], "ver:"...)
	b = append(b, h.Ver...)
	b = append(b, " server:"...)
	b = append(b, h.Server...)
	b = append(b, " serial:"...)
	t.head = len(b)
	b = append(b, " pool:"...)
	b = append(b, h.Pool...)
	b = append(b, " poolserial:"...)
	t.mid = len(b)
	b = append(b, " eventname:"...)
	b = append(b, h.EventName...)
	b = append(b, " len:"...)
	t.buf, t.h = b, h
}

// match reads line if it is the template with other numbers.
func (t *headerTemplate) match(line []byte) (h Header, ok bool) {
	if t.head == 0 || !bytes.HasPrefix(line, t.buf[:t.head]) {
		return h, false
	}
	h = t.h
	line = line[t.head:]
	if h.Serial, line, ok = leadingDecimal(line); !ok || !bytes.HasPrefix(line, t.buf[t.head:t.mid]) {
		return h, false
	}
	line = line[t.mid-t.head:]
	if h.PoolSerial, line, ok = leadingDecimal(line); !ok || !bytes.HasPrefix(line, t.buf[t.mid:]) {
		return h, false
	}
	n, rest, ok := leadingDecimal(line[len(t.buf)-t.mid:])
	if !ok || len(rest) != 0 || n > maxInt {
		return h, false
	}
	h.Len = int(n)
	return h, true
}

// leadingDecimal parses the digits at the start of b, of which there must
// be one to nineteen, and returns what follows them.
func leadingDecimal(b []byte) (n uint64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + uint64(d)
	}
	return n, b[i:], i > 0 && i < 20 // 19 digits cannot overflow
}
