package supervisorconf

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/internal/pythontest"
)

// conversionInputs are what each conversion of supervisor/datatypes.py is
// given, here and in Python.
var conversionInputs = map[string][]string{
	"integer":    {"0", " 12 ", "+5", "-3", "1_000", "٣", "1.0", "", "abc", "99999999999999999999"},
	"boolean":    {"true", "TRUE", "Yes", "on", "1", "false", "No", "OFF", "0", "", "maybe", " true", "truE"},
	"byte_size":  {"0", "1024", "1KB", "1kb", "50MB", "1GB", "5B", "1.5MB", " 5 kb", "5 KB ", "kb", "-1KB", "1_0MB", "1Kb"},
	"octal_type": {"022", "0o22", "0O22", "777", "8", "", " 07 ", "-1", "0x1"},
	"signal_number": {"TERM", "term", "SIGTERM", " sigint ", "15", "0", "31", "32", "34", "64", "65", "_DFL", "IOT", "CLD",
		"RTMIN", "RTMAX", "SIGRTMIN+1", "BOGUS", "", "SIG", "+9", "KILL "},
	"list_of_exitcodes": {"0", "0,2", " 0 , 1 ", "", "0,", "256", "-1", "a", "1_0"},
	"dict_of_key_value_pairs": {"", "A=1", "A=1,B=2", `A="x, y",B='z'`, "A=café", `A="café"`, "A=x$y", "A=1;B=2",
		"A=1 B=2", "A=", "=1", `A="x`, "A=/a/b:c.d+e-f(g)", "A=1,A=2", "A=1,B=2,", "A=x#y,B=2", "A=x #c\nB=2",
		`A="a"b`, `A='"q"'`, "A=1\n,B=2", "_A=__x"},
	"auto_restart":          {"true", "unexpected", "UNEXPECTED", "false", "1", "0", "sometimes", ""},
	"process_or_group_name": {"web", " web ", "my web", "a:b", "a/b", "web\t", "wéb"},
	"inet_address":          {"9001", "127.0.0.1:9001", "*:9001", ":9001", "HOST:1", "host:", "0", "65536", "a:b:9001", "x"},
	"logging_level":         {"info", "INFO", "warn", "debug", "trace", "blather", "critical", "error", "warning", "loud"},
	"list_of_strings":       {"", "a", "a,b", " a , b ", "a,,b", "a,"},
	"shlex_split": {"sleep 1000", `sh -c 'echo "out line"; exec sleep 1000'`, `a\ b "c \" d \\ e \x" 'f \ g' h"i"j`,
		"  spaced \t out  ", `""`, `''`, `a""b`, "'unclosed", `"unclosed`, `end\`, "tab\there", "new\nline", `"a\$b"`,
		"#not a comment", "é ü", `'it'\''s'`},
}

type pyOutcome struct {
	OK    json.RawMessage `json:"ok"`
	Error *string         `json:"error"`
}

// TestConversionsMatchPython runs every conversion on the same inputs as
// supervisord's and compares the result, or the error message.
func TestConversionsMatchPython(t *testing.T) {
	t.Parallel()
	pythontest.Require(t, "supervisor.datatypes")
	inputs := map[string][]string{}
	for k, v := range conversionInputs {
		inputs[k] = append([]string(nil), v...)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []rune(`ab=,"' \\$#;é_/.:` + "\n\t")
	for range 500 {
		rs := make([]rune, rng.IntN(10))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs["dict_of_key_value_pairs"] = append(inputs["dict_of_key_value_pairs"], string(rs))
		inputs["shlex_split"] = append(inputs["shlex_split"], string(rs))
	}
	var want map[string][]pyOutcome
	pythontest.JSON(t, "testdata/datatypes.py", nil, nil, inputs, &want)
	conv := map[string]func(string) (any, error){
		"integer":           func(v string) (any, error) { return integer(v) },
		"boolean":           func(v string) (any, error) { return boolean(v) },
		"byte_size":         func(v string) (any, error) { return byteSize(v) },
		"octal_type":        func(v string) (any, error) { return octalType(v) },
		"signal_number":     func(v string) (any, error) { n, err := signalNumber(v); return int(n), err },
		"list_of_exitcodes": func(v string) (any, error) { return listOfExitcodes(v) },
		"dict_of_key_value_pairs": func(v string) (any, error) {
			pairs, err := dictOfKeyValuePairs(v)
			return orEmpty(pairs), err
		},
		"auto_restart":          func(v string) (any, error) { a, err := autoRestart(v); return a.String(), err },
		"process_or_group_name": func(v string) (any, error) { return processOrGroupName(v) },
		"inet_address": func(v string) (any, error) {
			h, p, err := inetAddress(v)
			return []any{h, p}, err
		},
		"logging_level":   func(v string) (any, error) { return loggingLevel(v) },
		"list_of_strings": func(v string) (any, error) { return orEmpty(listOfStrings(v)), nil },
		"shlex_split":     func(v string) (any, error) { args, err := SplitCommand(v); return orEmpty(args), err },
	}
	for name, ins := range inputs {
		for i, in := range ins {
			got, err := conv[name](in)
			w := want[name][i]
			switch {
			case w.Error != nil:
				if err == nil || err.Error() != *w.Error {
					t.Errorf("%s(%q) = %v, %v; Python fails with %q", name, in, got, err, *w.Error)
				}
				var pe *pyfmt.Error
				if err != nil && name != "shlex_split" && !errors.As(err, &pe) {
					t.Errorf("%s(%q): %v is not a *pyfmt.Error", name, in, err)
				}
			case errors.Is(err, strconv.ErrRange) && len(w.OK) > 18:
				// Python's int has no limit; this package's is int64.
			case err != nil:
				t.Errorf("%s(%q) fails: %v; Python gives %s", name, in, err, w.OK)
			default:
				b, _ := json.Marshal(got)
				var g, wv any
				json.Unmarshal(b, &g)
				json.Unmarshal(w.OK, &wv)
				if gb, _ := json.Marshal(g); string(gb) != string(mustJSON(wv)) {
					t.Errorf("%s(%q) = %s; Python %s", name, in, gb, w.OK)
				}
			}
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
