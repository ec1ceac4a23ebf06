package xmlrpc

import "testing"

// The encoder writes exactly what Python's xmlrpclib.dumps writes.
func TestEncodeResponse(t *testing.T) {
	t.Parallel()
	got, err := EncodeResponse(Struct{{"name", "a<&>b"}, {"pid", 1}, {"ok", true}, {"list", []any{int64(1), "x"}}, {"empty", ""}})
	if err != nil {
		t.Fatal(err)
	}
	want := "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n" +
		"<member>\n<name>name</name>\n<value><string>a&lt;&amp;&gt;b</string></value>\n</member>\n" +
		"<member>\n<name>pid</name>\n<value><int>1</int></value>\n</member>\n" +
		"<member>\n<name>ok</name>\n<value><boolean>1</boolean></value>\n</member>\n" +
		"<member>\n<name>list</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>x</string></value>\n</data></array></value>\n</member>\n" +
		"<member>\n<name>empty</name>\n<value><string></string></value>\n</member>\n" +
		"</struct></value>\n</param>\n</params>\n</methodResponse>\n"
	if string(got) != want {
		t.Fatalf("encoded\n%s\nwant\n%s", got, want)
	}
	if _, err := EncodeResponse(struct{}{}); err == nil {
		t.Fatal("encoding an unsupported type succeeded")
	}
}

func TestEncodeFault(t *testing.T) {
	t.Parallel()
	got := EncodeFault(10, "BAD_NAME: a<b")
	want := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n" +
		"<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n" +
		"<member>\n<name>faultString</name>\n<value><string>BAD_NAME: a&lt;b</string></value>\n</member>\n" +
		"</struct></value>\n</fault>\n</methodResponse>\n"
	if string(got) != want {
		t.Fatalf("encoded\n%s\nwant\n%s", got, want)
	}
}
