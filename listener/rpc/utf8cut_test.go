package rpc

import (
	"errors"
	"fmt"
	"testing"
)

func TestReadCutMovesTheCut(t *testing.T) {
	serverError := &StatusError{StatusCode: 500, Status: "500 Internal Server Error"}
	tests := []struct {
		name           string
		offset, length int
		goodAfter      int // calls that fail before one succeeds
		want           []string
		wantErr        bool
	}{
		{"tail shortens the length", 0, 100, 2, []string{"0,100", "0,99", "0,98"}, false},
		{"last bytes start later", -100, 0, 1, []string{"-100,0", "-99,0"}, false},
		{"gives up after three moves", 0, 100, 9, []string{"0,100", "0,99", "0,98", "0,97"}, true},
		{"a read to the end is not moved", 40, 0, 9, []string{"40,0"}, true},
		{"never reads nothing", 0, 2, 9, []string{"0,2", "0,1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			_, err := readCut(tt.offset, tt.length, func(offset, length int) (string, error) {
				calls = append(calls, fmt.Sprintf("%d,%d", offset, length))
				if len(calls) <= tt.goodAfter {
					return "", serverError
				}
				return "ok", nil
			})
			if fmt.Sprint(calls) != fmt.Sprint(tt.want) || (err != nil) != tt.wantErr {
				t.Fatalf("calls %v err %v, want %v err=%v", calls, err, tt.want, tt.wantErr)
			}
		})
	}
	// Other failures are not retried.
	calls := 0
	readCut(0, 100, func(int, int) (string, error) { calls++; return "", ErrBadName })
	if calls != 1 {
		t.Fatalf("a fault was retried %d times", calls-1)
	}
	if !errors.Is(ErrBadName, ErrBadName) {
		t.Fatal("sanity")
	}
}
