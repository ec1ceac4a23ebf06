package listener

import (
	"bytes"
	"strconv"
)

// A Header is the first line of an event as supervisord sends it:
//
//	ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 eventname:PROCESS_STATE_EXITED len:84
//
// Serial is supervisord's global event counter, shared by all pools;
// PoolSerial counts the events this pool accepted. A listener sees gaps in
// Serial whenever an event went to other pools only, and a gap in
// PoolSerial only when its pool's buffer overflowed and discarded events.
type Header struct {
	Ver        string
	Server     string
	Serial     uint64
	Pool       string
	PoolSerial uint64
	EventName  EventType
	// Len is the payload length as the header states it: a count of
	// Unicode code points for supervisord 4.x on Python 3 (see Reader).
	Len int
}

// String returns the header line as supervisord writes it, without the
// trailing newline.
func (h Header) String() string {
	b := make([]byte, 0, 128)
	return string(h.AppendText(b))
}

// AppendText appends the header line, without the trailing newline, to b.
// The field order is the one supervisord's code uses.
func (h Header) AppendText(b []byte) []byte {
	b = append(b, "ver:"...)
	b = append(b, h.Ver...)
	b = append(b, " server:"...)
	b = append(b, h.Server...)
	b = append(b, " serial:"...)
	b = strconv.AppendUint(b, h.Serial, 10)
	b = append(b, " pool:"...)
	b = append(b, h.Pool...)
	b = append(b, " poolserial:"...)
	b = strconv.AppendUint(b, h.PoolSerial, 10)
	b = append(b, " eventname:"...)
	b = append(b, h.EventName...)
	b = append(b, " len:"...)
	b = strconv.AppendInt(b, int64(h.Len), 10)
	return b
}

// headerFields flags which fields a header line carried.
type headerFields uint8

const (
	hasVer headerFields = 1 << iota
	hasServer
	hasSerial
	hasPool
	hasPoolSerial
	hasEventName
	hasLen
	hasAll = hasVer | hasServer | hasSerial | hasPool | hasPoolSerial | hasEventName | hasLen
)

var headerFieldNames = []struct {
	flag headerFields
	name string
}{
	{hasVer, "ver"}, {hasServer, "server"}, {hasSerial, "serial"}, {hasPool, "pool"},
	{hasPoolSerial, "poolserial"}, {hasEventName, "eventname"}, {hasLen, "len"},
}

// knownEventTypes lets the parser turn an eventname into an EventType
// without allocating: a map indexed by string(bytes) does not copy.
var knownEventTypes = func() map[string]EventType {
	m := make(map[string]EventType, len(EventTypes))
	for _, t := range EventTypes {
		m[string(t)] = t
	}
	return m
}()

// interner returns the previous string when the bytes repeat. Header
// values such as the server and pool name are the same on every event, so
// a listener in steady state parses headers without allocating.
type interner struct {
	last string
}

func (in *interner) get(b []byte) string {
	if string(b) != in.last {
		in.last = string(b)
	}
	return in.last
}

// headerParser parses header lines. It is not safe for concurrent use.
type headerParser struct {
	ver, server, pool, unknownEvent interner
	event                           EventType // the last eventname parsed
	last                            headerTemplate
}

// parse parses one header line, without its trailing newline.
//
// Tokens are separated by single spaces and each is split on its first
// colon, so a value may itself contain colons. A token without a colon
// continues the previous value: supervisord does not validate its
// identifier, which may contain spaces ("server:my box serial:1 ...").
func (p *headerParser) parse(line []byte) (Header, error) {
	if h, ok := p.last.match(line); ok {
		return h, nil
	}
	if h, ok := p.parseCanonical(line); ok {
		p.last.remember(h)
		return h, nil
	}
	return p.parseTokens(line)
}

// parseCanonical reads a header in the one form supervisord writes: the
// seven fields in its order, one token each, single spaces between. On
// every line it accepts it agrees with parseTokens (FuzzParseHeaderPaths);
// it reports false for anything else, such as a server name with a space
// or a field that does not parse, which parseTokens then reads or reports.
// Knowing where each field is, it reads a header in a third of the
// instructions parseTokens takes.
func (p *headerParser) parseCanonical(line []byte) (h Header, ok bool) {
	var tok, v []byte
	var more bool
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "ver:"); !ok {
		return h, false
	}
	h.Ver = p.ver.get(v)
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "server:"); !ok {
		return h, false
	}
	h.Server = p.server.get(v)
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "serial:"); !ok {
		return h, false
	}
	if h.Serial, ok = parseDecimal(v); !ok {
		return h, false
	}
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "pool:"); !ok {
		return h, false
	}
	h.Pool = p.pool.get(v)
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "poolserial:"); !ok {
		return h, false
	}
	if h.PoolSerial, ok = parseDecimal(v); !ok {
		return h, false
	}
	if tok, line, more = cutSpace(line); !more {
		return h, false
	}
	if v, ok = cutKey(tok, "eventname:"); !ok || len(v) == 0 {
		return h, false
	}
	h.EventName = p.eventName(v)
	if tok, _, more = cutSpace(line); more {
		return h, false
	}
	if v, ok = cutKey(tok, "len:"); !ok {
		return h, false
	}
	n, ok := parseDecimal(v)
	if !ok || n > maxInt {
		return h, false
	}
	h.Len = int(n)
	return h, true
}

// cutSpace cuts b at its first space; more is false when there is none.
func cutSpace(b []byte) (tok, rest []byte, more bool) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// cutKey returns the value of tok if it starts with key. Inlined with a
// constant key, it compares the key in place.
func cutKey(tok []byte, key string) (value []byte, ok bool) {
	if len(tok) < len(key) || string(tok[:len(key)]) != key {
		return nil, false
	}
	return tok[len(key):], true
}

// eventName returns the EventType named by b without allocating: the
// last one again, a known one, or an interned unknown one.
func (p *headerParser) eventName(b []byte) EventType {
	if string(b) == string(p.event) {
		return p.event
	}
	if t, ok := knownEventTypes[string(b)]; ok {
		p.event = t
	} else {
		p.event = EventType(p.unknownEvent.get(b))
	}
	return p.event
}

// parseTokens parses a header line token by token, in any field order.
func (p *headerParser) parseTokens(line []byte) (Header, error) {
	var h Header
	var seen headerFields
	keyStart, keyEnd, valEnd := -1, -1, -1
	for i := 0; i <= len(line); {
		end := len(line)
		if sp := bytes.IndexByte(line[i:], ' '); sp >= 0 {
			end = i + sp
		}
		colon := bytes.IndexByte(line[i:end], ':')
		switch {
		case colon >= 0:
			if keyStart >= 0 {
				if err := p.setField(&h, &seen, line[keyStart:keyEnd], line[keyEnd+1:valEnd], line); err != nil {
					return Header{}, err
				}
			}
			keyStart, keyEnd, valEnd = i, i+colon, end
		case keyStart < 0:
			return Header{}, headerError(line, "expected key:value, found "+strconv.Quote(string(line[i:end])))
		default:
			valEnd = end // the previous value continues over this token
		}
		i = end + 1
	}
	if keyStart >= 0 {
		if err := p.setField(&h, &seen, line[keyStart:keyEnd], line[keyEnd+1:valEnd], line); err != nil {
			return Header{}, err
		}
	}
	if seen != hasAll {
		for _, f := range headerFieldNames {
			if seen&f.flag == 0 {
				return Header{}, headerError(line, "missing field "+strconv.Quote(f.name))
			}
		}
	}
	return h, nil
}

func (p *headerParser) setField(h *Header, seen *headerFields, key, val, line []byte) error {
	var flag headerFields
	switch string(key) {
	case "ver":
		flag = hasVer
		h.Ver = p.ver.get(val)
	case "server":
		flag = hasServer
		h.Server = p.server.get(val)
	case "serial":
		flag = hasSerial
		n, ok := parseDecimal(val)
		if !ok {
			return headerError(line, "serial "+strconv.Quote(string(val))+" is not a non-negative integer")
		}
		h.Serial = n
	case "pool":
		flag = hasPool
		h.Pool = p.pool.get(val)
	case "poolserial":
		flag = hasPoolSerial
		n, ok := parseDecimal(val)
		if !ok {
			return headerError(line, "poolserial "+strconv.Quote(string(val))+" is not a non-negative integer")
		}
		h.PoolSerial = n
	case "eventname":
		flag = hasEventName
		if len(val) == 0 {
			return headerError(line, "empty eventname")
		}
		h.EventName = p.eventName(val)
	case "len":
		flag = hasLen
		n, ok := parseDecimal(val)
		if !ok || n > maxInt {
			return headerError(line, "len "+strconv.Quote(string(val))+" is not a non-negative integer")
		}
		h.Len = int(n)
	default:
		// Fields this package does not know are ignored, so that a future
		// supervisord may add some without breaking listeners.
		return nil
	}
	if *seen&flag != 0 {
		return headerError(line, "field "+strconv.Quote(string(key))+" appears twice")
	}
	*seen |= flag
	return nil
}

const maxInt = uint64(^uint(0) >> 1)

// parseDecimal parses an unsigned decimal number without a sign, spaces or
// underscores: the only form supervisord writes.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	if len(b) < 20 { // 19 digits cannot overflow
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + uint64(c-'0')
		}
		return n, true
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (^uint64(0)-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func headerError(line []byte, reason string) error {
	return &ProtocolError{Err: ErrMalformedHeader, Reason: reason, Header: quoteLimit(line)}
}

// quoteLimit copies at most 512 bytes of a header for an error message.
func quoteLimit(line []byte) string {
	const max = 512
	if len(line) > max {
		return string(line[:max]) + "..."
	}
	return string(line)
}
