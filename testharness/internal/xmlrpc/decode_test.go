package xmlrpc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeCall(t *testing.T) {
	t.Parallel()
	body := `<?xml version="1.0"?>
<methodCall><methodName> supervisor.x </methodName><params>
<param><value>bare text &amp; more</value></param>
<param><value><int>-7</int></value></param>
<param><value><i4>8</i4></value></param>
<param><value><i8>9</i8></value></param>
<param><value><boolean>1</boolean></value></param>
<param><value><double>1.5</double></value></param>
<param><value><base64>aMOp</base64></value></param>
<param><value><nil/></value></param>
<param><value><array><data><value><string>a</string></value><value><int>1</int></value></data></array></value></param>
<param><value><struct><member><name>methodName</name><value><string>m</string></value></member>
<member><name>params</name><value><array><data/></array></value></member></struct></value></param>
<param><value><string></string></value></param>
</params></methodCall>`
	method, params, err := DecodeCall(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"bare text & more", int64(-7), int64(8), int64(9), true, 1.5, "hé", nil,
		[]any{"a", int64(1)}, map[string]any{"methodName": "m", "params": []any{}}, ""}
	if method != "supervisor.x" || !reflect.DeepEqual(params, want) {
		t.Fatalf("decoded %q %#v\nwant %#v", method, params, want)
	}
	// params may be left out.
	if m, p, err := DecodeCall(strings.NewReader("<methodCall><methodName>a.b</methodName></methodCall>")); err != nil || m != "a.b" || p != nil {
		t.Fatalf("no params: %q %v %v", m, p, err)
	}
	for _, bad := range []string{"this is not xml", "<methodCall><methodName>a.b</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
		"<other/>", "<methodCall><params><param><value><int>1</int><string>2</string></value></param></params></methodCall>"} {
		if _, _, err := DecodeCall(strings.NewReader(bad)); !errors.Is(err, ErrBadRequest) {
			t.Errorf("DecodeCall(%q) = %v, want ErrBadRequest", bad, err)
		}
	}
}
