package pyfmt

import (
	"testing"

	"github.com/golance/golance/internal/pythontest"
)

// pyAnswer is one answer of testdata/python.py: a result or an exception.
type pyAnswer struct {
	OK   *string `json:"ok"`
	Type string  `json:"type"`
	Msg  string  `json:"msg"`
}

// askPython sends req to testdata/python.py and decodes its answers.
func askPython(t *testing.T, req map[string]any, answers any) {
	t.Helper()
	pythontest.Require(t)
	pythontest.JSON(t, "testdata/python.py", nil, nil, req, answers)
}

// asBytes turns strings into what encoding/json carries intact: lists of
// byte values, for inputs that are not UTF-8.
func asBytes(ss []string) [][]int {
	out := make([][]int, len(ss))
	for i, s := range ss {
		out[i] = []int{}
		for j := 0; j < len(s); j++ {
			out[i] = append(out[i], int(s[j]))
		}
	}
	return out
}
