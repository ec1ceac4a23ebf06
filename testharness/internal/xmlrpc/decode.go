package xmlrpc

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// ErrBadRequest is wrapped by DecodeCall's errors: a request supervisord
// answers with HTTP 400.
var ErrBadRequest = errors.New("unmarshallable XML-RPC request")

// DecodeCall parses a methodCall. Like supervisord it accepts int, i4,
// boolean, string, double, dateTime.iso8601, base64, array and struct
// values, and a bare <value>text</value> as a string; i8 and nil are
// accepted too. params may be missing.
func DecodeCall(r io.Reader) (method string, params []any, err error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	sawCall := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "methodCall":
			sawCall = true
		case "methodName":
			text, err := elementText(d)
			if err != nil {
				return "", nil, err
			}
			method = strings.TrimSpace(text)
		case "params":
			if params, err = decodeParams(d); err != nil {
				return "", nil, err
			}
		default:
			if err := d.Skip(); err != nil {
				return "", nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
			}
		}
	}
	if !sawCall {
		return "", nil, fmt.Errorf("%w: no methodCall element", ErrBadRequest)
	}
	return method, params, nil
}

// elementText returns the character data of the element just opened and
// consumes its end.
func elementText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return b.String(), nil
}

func decodeParams(d *xml.Decoder) ([]any, error) {
	params := []any{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return params, nil
		case xml.StartElement:
			if t.Name.Local != "param" {
				return nil, fmt.Errorf("%w: unexpected <%s> in params", ErrBadRequest, t.Name.Local)
			}
			v, err := decodeInner(d, "value")
			if err != nil {
				return nil, err
			}
			params = append(params, v)
		}
	}
}

// decodeInner reads the children of the element just opened, expecting
// one <want> child holding a value, and consumes the end.
func decodeInner(d *xml.Decoder, want string) (any, error) {
	var v any
	got := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if !got {
				return nil, fmt.Errorf("%w: missing <%s>", ErrBadRequest, want)
			}
			return v, nil
		case xml.StartElement:
			if t.Name.Local != want || got {
				return nil, fmt.Errorf("%w: unexpected <%s>", ErrBadRequest, t.Name.Local)
			}
			if v, err = decodeValue(d); err != nil {
				return nil, err
			}
			got = true
		}
	}
}

// decodeValue reads the content of a <value> just opened.
func decodeValue(d *xml.Decoder) (any, error) {
	var text strings.Builder
	var v any
	typed := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if !typed {
				return text.String(), nil
			}
			return v, nil
		case xml.StartElement:
			if typed {
				return nil, fmt.Errorf("%w: two types in one value", ErrBadRequest)
			}
			typed = true
			if v, err = decodeTyped(d, t.Name.Local); err != nil {
				return nil, err
			}
		}
	}
}

func decodeTyped(d *xml.Decoder, typ string) (any, error) {
	switch typ {
	case "array":
		return decodeArray(d)
	case "struct":
		return decodeStruct(d)
	}
	text, err := elementText(d)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "int", "i4", "i8":
		n, err := pyfmt.Atoi(text)
		if err != nil {
			return nil, fmt.Errorf("%w: bad <%s> %q", ErrBadRequest, typ, text)
		}
		return n, nil
	case "boolean":
		return text == "1", nil
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad <double> %q", ErrBadRequest, text)
		}
		return f, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, fmt.Errorf("%w: bad <base64>", ErrBadRequest)
		}
		return string(b), nil
	case "nil":
		return nil, nil
	}
	// string, dateTime.iso8601 and anything supervisord does not know
	// arrive as text.
	return text, nil
}

func decodeArray(d *xml.Decoder) (any, error) {
	out := []any{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "array" {
				return out, nil
			}
		case xml.StartElement:
			switch t.Name.Local {
			case "data":
			case "value":
				v, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			default:
				return nil, fmt.Errorf("%w: unexpected <%s> in array", ErrBadRequest, t.Name.Local)
			}
		}
	}
}

func decodeStruct(d *xml.Decoder) (any, error) {
	out := map[string]any{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return out, nil
		case xml.StartElement:
			if t.Name.Local != "member" {
				return nil, fmt.Errorf("%w: unexpected <%s> in struct", ErrBadRequest, t.Name.Local)
			}
			name, v, err := decodeMember(d)
			if err != nil {
				return nil, err
			}
			out[name] = v
		}
	}
}

func decodeMember(d *xml.Decoder) (string, any, error) {
	var name string
	var v any
	for {
		tok, err := d.Token()
		if err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return name, v, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "name":
				if name, err = elementText(d); err != nil {
					return "", nil, err
				}
			case "value":
				if v, err = decodeValue(d); err != nil {
					return "", nil, err
				}
			default:
				return "", nil, fmt.Errorf("%w: unexpected <%s> in member", ErrBadRequest, t.Name.Local)
			}
		}
	}
}
