package rpc

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func wrap(s string) []byte {
	return []byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>" + s +
		"</string></value>\n</param>\n</params>\n</methodResponse>\n")
}

func TestControlCharactersRoundTrip(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for r := rune(0); r < 0x20; r++ {
		all.WriteRune(r)
	}
	tests := []string{
		"plain text",
		"tab\tnewline\n",
		"cr\r\ncrlf and lone \r",
		all.String(),
		"\x1b[1;32mgreen\x1b[0m",
		"nonchars \uFFFE \uFFFF and \uFFFD",
		"\x00",
	}
	for _, want := range tests {
		var got string
		if err := decodeResponse("m", wrap(want), &got); err != nil {
			t.Errorf("%q: %v", want, err)
			continue
		}
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// A response that already holds a stand-in cannot be restored exactly;
// the forbidden characters become U+FFFD and the stand-in stays itself.
func TestControlCharactersWithStandIn(t *testing.T) {
	t.Parallel()
	in := "a\x1bb" + string(rune(standInBase+0x1b)) + "c"
	var got string
	if err := decodeResponse("m", wrap(in), &got); err != nil {
		t.Fatal(err)
	}
	if want := "a\uFFFDb" + string(rune(standInBase+0x1b)) + "c"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Without forbidden characters, a stand-in is ordinary text.
	in = "x" + string(rune(standInBase+1))
	if err := decodeResponse("m", wrap(in), &got); err != nil || got != in {
		t.Errorf("got %q, %v; want %q", got, err, in)
	}
}

func TestRestoreControlsWalksValues(t *testing.T) {
	t.Parallel()
	si := string(rune(standInBase + 7))
	type inner struct {
		S string
		s string // unexported: left alone
	}
	v := struct {
		A      string
		B      []string
		C      map[string]any
		D      *inner
		E      any
		F      [2]string
		G      []any
		Hidden string `xmlrpc:"-"`
	}{
		A: si, B: []string{si}, C: map[string]any{"k": si, "n": []any{si}}, D: &inner{S: si, s: si},
		E: si, F: [2]string{si, "x"}, G: []any{si, int64(1)},
	}
	restoreControls(reflect.ValueOf(&v))
	const bell = "\a"
	if v.A != bell || v.B[0] != bell || v.C["k"] != bell || v.C["n"].([]any)[0] != bell || v.D.S != bell ||
		v.E != bell || v.F[0] != bell || v.G[0] != bell {
		t.Errorf("not restored: %+v %+v", v, *v.D)
	}
	if v.D.s != si {
		t.Error("unexported field was changed")
	}
}

func FuzzControlCharacters(f *testing.F) {
	for _, s := range []string{"", "a\x1bb", "\r\n", "\uFFFE", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, isStandIn) {
			return
		}
		// Escape the three characters supervisord escapes, as it would.
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
		var got string
		if err := decodeResponse("m", wrap(esc), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got != s {
			t.Fatalf("got %q, want %q", got, s)
		}
	})
}

func TestFillEmpty(t *testing.T) {
	t.Parallel()
	type withAny struct{ A any }
	v := struct {
		Top  any
		List []any
		Map  map[string]any
		Deep []map[string]any
		Typ  withAny
	}{
		List: []any{nil, "x", []any{nil}},
		Map:  map[string]any{"k": nil, "l": []any{nil}},
		Deep: []map[string]any{{"k": nil}},
	}
	fillEmpty(reflect.ValueOf(&v.Top))
	fillEmpty(reflect.ValueOf(&v.List))
	fillEmpty(reflect.ValueOf(&v.Map))
	fillEmpty(reflect.ValueOf(&v.Deep))
	fillEmpty(reflect.ValueOf(&v.Typ))
	if v.Top != "" || v.List[0] != "" || v.List[2].([]any)[0] != "" || v.Map["k"] != "" ||
		v.Map["l"].([]any)[0] != "" || v.Deep[0]["k"] != "" {
		t.Errorf("nil left in %#v", v)
	}
	if v.Typ.A != nil {
		t.Errorf("typed struct field changed: %#v", v.Typ)
	}
}
