package rpc

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

func TestMulticall(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "multicall")
	calls := []MethodCall{
		{Method: "supervisor.getPID"},
		{Method: "supervisor.getProcessInfo", Params: []any{"nope"}},
		{Method: "supervisor.getState"},
		{Method: "supervisor.readLog", Params: []any{"abc", 0}},
		{Method: "system.multicall"},
		{Method: "supervisor.startProcess", Params: []any{"sleeper", true}},
		{Method: "supervisor.stopProcess", Params: []any{"sleeper", true}},
	}
	results, err := c.Multicall(context.Background(), calls...)
	if err != nil {
		t.Fatal(err)
	}
	req := s.last()
	if req.method != "system.multicall" {
		t.Errorf("method %q", req.method)
	}
	var sent []string
	for _, m := range regexp.MustCompile(`<string>(supervisor\.\w+|system\.\w+)</string>`).FindAllStringSubmatch(req.params, -1) {
		sent = append(sent, m[1])
	}
	if want := []string{"supervisor.getPID", "supervisor.getProcessInfo", "supervisor.getState",
		"supervisor.readLog", "system.multicall", "supervisor.startProcess", "supervisor.stopProcess"}; !slices.Equal(sent, want) {
		t.Errorf("sent methods %v, want %v", sent, want)
	}
	if !strings.Contains(req.params, "<boolean>1</boolean>") {
		t.Errorf("wait not sent as a boolean: %s", req.params)
	}
	if len(results) != len(calls) {
		t.Fatalf("%d results for %d calls", len(results), len(calls))
	}
	for i, r := range results {
		if r.Method != calls[i].Method {
			t.Errorf("result %d method %q, want %q", i, r.Method, calls[i].Method)
		}
		if (r.Err == nil) == (r.Value == nil) {
			t.Errorf("result %d has value %v and error %v; want exactly one", i, r.Value, r.Err)
		}
	}

	var pid int
	if err := results[0].Decode(&pid); err != nil || pid != fixtureInt(t, "multicall") {
		t.Errorf("getPID: %d, %v", pid, err)
	}
	if got, ok := results[0].Value.(int64); !ok || int(got) != pid {
		t.Errorf("getPID Value %#v", results[0].Value)
	}
	if !errors.Is(results[1].Err, ErrBadName) || results[1].Err.Error() != "supervisor.getProcessInfo: BAD_NAME: nope" {
		t.Errorf("getProcessInfo err %v", results[1].Err)
	}
	var info ProcessInfo
	if err := results[1].Decode(&info); !errors.Is(err, ErrBadName) {
		t.Errorf("Decode of a failed call = %v, want its fault", err)
	}
	var st struct {
		Code int    `xmlrpc:"statecode"`
		Name string `xmlrpc:"statename"`
	}
	if err := results[2].Decode(&st); err != nil || st.Code != 1 || st.Name != "RUNNING" {
		t.Errorf("getState: %+v, %v", st, err)
	}
	if !errors.Is(results[3].Err, ErrFailed) {
		t.Errorf("readLog err %v, want ErrFailed", results[3].Err)
	}
	if !errors.Is(results[4].Err, ErrIncorrectParameters) || !strings.Contains(results[4].Err.Error(), "Recursive") {
		t.Errorf("nested multicall err %v", results[4].Err)
	}
	for _, i := range []int{5, 6} {
		var ok bool
		if err := results[i].Decode(&ok); err != nil || !ok {
			t.Errorf("%s: %v, %v", calls[i].Method, ok, err)
		}
	}
	var wrong string
	if err := results[2].Decode(&wrong); !errors.Is(err, ErrBadResponse) {
		t.Errorf("Decode of a struct into a string = %v, want ErrBadResponse", err)
	}
}

// Control characters survive a multicall, in Value and through Decode.
func TestMulticallControlCharacters(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "multicall_control")
	results, err := c.Multicall(context.Background(),
		MethodCall{Method: "supervisor.tailProcessStdoutLog", Params: []any{"esc", 0, 1000}},
		MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"esc"}},
		MethodCall{Method: "supervisor.getAllConfigInfo"},
	)
	if err != nil {
		t.Fatal(err)
	}
	const want = "plain \x1b[31mred\x1b[0m bell\a cr\r\nend\n"
	tail, ok := results[0].Value.([]any)
	if !ok || len(tail) != 3 || tail[0] != want {
		t.Errorf("tail Value %#v", results[0].Value)
	}
	var decoded []any
	if err := results[0].Decode(&decoded); err != nil || len(decoded) != 3 || decoded[0] != want {
		t.Errorf("tail Decode %#v, %v", decoded, err)
	}
	var info ProcessInfo
	if err := results[1].Decode(&info); err != nil || info.Name != "esc" || info.State != listener.StateExited ||
		info.Stop == 0 || info.Description == "" {
		t.Errorf("getProcessInfo Decode %+v, %v", info, err)
	}
	// An empty string is "" in Value, not nil.
	if m, ok := results[1].Value.(map[string]any); !ok || m["spawnerr"] != "" || m["name"] != "esc" {
		t.Errorf("getProcessInfo Value %#v", results[1].Value)
	}
	var generic any
	if err := results[1].Decode(&generic); err != nil || generic.(map[string]any)["spawnerr"] != "" {
		t.Errorf("getProcessInfo Decode into any: %#v, %v", generic, err)
	}
	var configs []ConfigInfo
	if err := results[2].Decode(&configs); err != nil || len(configs) < 15 {
		t.Fatalf("getAllConfigInfo Decode: %d entries, %v", len(configs), err)
	}
	var one ConfigInfo
	if err := results[2].Decode(&one); !errors.Is(err, ErrBadResponse) {
		t.Errorf("Decode of an array into *ConfigInfo = %v, want ErrBadResponse", err)
	}
	for _, ci := range configs {
		if ci.Name == "esc" && !strings.Contains(ci.Command, `\033[31m`) {
			t.Errorf("esc command %q", ci.Command)
		}
	}
}

func TestMulticallEmpty(t *testing.T) {
	t.Parallel()
	s := serveUnix(t, func(w http.ResponseWriter, _ request) {
		w.Write([]byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n"))
	})
	results, err := newClient(t, s.url).Multicall(context.Background())
	if err != nil || len(results) != 0 {
		t.Errorf("Multicall() = %v, %v", results, err)
	}
	if p := s.last().params; p != "<params><param><value><array><data></data></array></value></param></params>" {
		t.Errorf("params %s", p)
	}
}

func TestMulticallCountMismatch(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "multicall")
	_, err := c.Multicall(context.Background(), MethodCall{Method: "supervisor.getPID"})
	if !errors.Is(err, ErrBadResponse) {
		t.Errorf("err = %v, want ErrBadResponse for 7 results to 1 call", err)
	}
}
