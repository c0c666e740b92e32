// This file defines a ready model for a key-value register with get, put
// and compare-and-set, partitioned by key, and the inputs and outputs its
// clients record.

package history

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// KVInput is an operation on a key-value register.
type KVInput struct {
	Op    string // "get", "put" or "cas"
	Key   string
	Value string // put: the value written; cas: the new value
	Old   string // cas: the value expected
}

func (in KVInput) String() string {
	switch in.Op {
	case "get":
		return fmt.Sprintf("get(%q)", in.Key)
	case "put":
		return fmt.Sprintf("put(%q, %q)", in.Key, in.Value)
	case "cas":
		return fmt.Sprintf("cas(%q, %q -> %q)", in.Key, in.Old, in.Value)
	}
	return fmt.Sprintf("%s(%q)", in.Op, in.Key)
}

// Get, Put and Cas build KVInputs.
func Get(key string) KVInput             { return KVInput{Op: "get", Key: key} }
func Put(key, value string) KVInput      { return KVInput{Op: "put", Key: key, Value: value} }
func Cas(key, old, value string) KVInput { return KVInput{Op: "cas", Key: key, Old: old, Value: value} }

// KVOutput is the output of an operation that took effect: for get, the
// value read ("" for a missing key); for cas, whether it swapped.
type KVOutput struct {
	Value string
	OK    bool
}

func (out KVOutput) String() string {
	if out.Value != "" {
		return fmt.Sprintf("%q", out.Value)
	}
	return fmt.Sprint(out.OK)
}

// KVModel is the sequential specification of a key-value register: get
// returns the last value put or swapped in ("" before any), put sets it,
// cas sets it to Value if it equals Old and reports whether it did. It is
// partitioned by key. Outputs of operations with an unknown outcome
// (Unknown) are not compared: the operation may take effect at any point
// after its invocation, or not at all.
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(KVInput).Key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		s := state.(string)
		in := input.(KVInput)
		unknown := IsUnknown(output)
		var out KVOutput
		if !unknown {
			out = output.(KVOutput)
		}
		switch in.Op {
		case "get":
			return unknown || out.Value == s, s
		case "put":
			return true, in.Value
		case "cas":
			swapped := s == in.Old
			if !unknown && out.OK != swapped {
				return false, s
			}
			if swapped {
				return true, in.Value
			}
			return true, s
		}
		panic(fmt.Sprintf("history: unknown KV operation %q", in.Op))
	},
	DescribeOperation: func(input, output any) string {
		in := input.(KVInput)
		if IsUnknown(output) {
			return in.String() + " -> ?"
		}
		out := output.(KVOutput)
		switch in.Op {
		case "get":
			return fmt.Sprintf("%s -> %q", in, out.Value)
		case "cas":
			return fmt.Sprintf("%s -> %v", in, out.OK)
		}
		return in.String()
	},
	DescribeState: func(state any) string { return fmt.Sprintf("%q", state.(string)) },
}
