package xmlrpc

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// EncodeResponse renders v as Python's xmlrpclib.dumps((v,),
// methodresponse=True) does, byte for byte. v is a bool, int, int64,
// float64 or string, a Struct, or a slice of those ([]any, []string, []int,
// []Struct); anything else is an error.
func EncodeResponse(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n")
	if err := encodeValue(&b, v); err != nil {
		return nil, err
	}
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	return b.Bytes(), nil
}

// EncodeFault renders a fault response as xmlrpclib.dumps(Fault(code,
// faultString)) does, byte for byte.
func EncodeFault(code int, faultString string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n")
	_ = encodeValue(&b, Struct{{"faultCode", code}, {"faultString", faultString}})
	b.WriteString("</fault>\n</methodResponse>\n")
	return b.Bytes()
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func encodeValue(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case bool:
		if t {
			b.WriteString("<value><boolean>1</boolean></value>\n")
		} else {
			b.WriteString("<value><boolean>0</boolean></value>\n")
		}
	case int:
		fmt.Fprintf(b, "<value><int>%d</int></value>\n", t)
	case int64:
		fmt.Fprintf(b, "<value><int>%d</int></value>\n", t)
	case float64:
		fmt.Fprintf(b, "<value><double>%s</double></value>\n", strconv.FormatFloat(t, 'g', -1, 64))
	case string:
		b.WriteString("<value><string>")
		b.WriteString(xmlEscaper.Replace(t))
		b.WriteString("</string></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, e := range t {
			if err := encodeValue(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>\n")
	case []string:
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		return encodeValue(b, items)
	case []int:
		items := make([]any, len(t))
		for i, n := range t {
			items[i] = n
		}
		return encodeValue(b, items)
	case Struct:
		b.WriteString("<value><struct>\n")
		for _, m := range t {
			b.WriteString("<member>\n<name>")
			b.WriteString(xmlEscaper.Replace(m.Name))
			b.WriteString("</name>\n")
			if err := encodeValue(b, m.Value); err != nil {
				return err
			}
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
	case []Struct:
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		return encodeValue(b, items)
	default:
		return fmt.Errorf("xmlrpc: cannot marshal %T", v)
	}
	return nil
}
