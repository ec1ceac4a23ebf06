package supervisorconf

import (
	"strings"
)

// An RPCInterface is an [rpcinterface:x] section: a Python factory that
// adds XML-RPC methods. supervisord's own is
// supervisor.rpcinterface:make_main_rpcinterface, without which
// supervisorctl and every listener's calls fail.
type RPCInterface struct {
	Section *Section
	Name    string // x
	// Factory is supervisor.rpcinterface_factory=, "module:callable".
	Factory string
	// Extras are the other keys, expanded, in their order.
	Extras [][2]string
}

// MainRPCInterface is the factory of supervisord's own interface.
const MainRPCInterface = "supervisor.rpcinterface:make_main_rpcinterface"

// RPCInterfaces reads the [rpcinterface:x] sections as supervisord's
// get_plugins does, without importing the factories.
func (c *Config) RPCInterfaces() ([]*RPCInterface, error) {
	var out []*RPCInterface
	for _, s := range c.sections {
		name, ok := strings.CutPrefix(s.Name, "rpcinterface:")
		if !ok {
			continue
		}
		r := reader{c: c, s: s}
		ri := &RPCInterface{Section: s, Name: name}
		factory, ok := r.get("supervisor.rpcinterface_factory", nil)
		if r.err == nil && !ok {
			return nil, &Error{File: s.File, Line: s.Line, Section: s.Name,
				Problem: "has no supervisor.rpcinterface_factory= line",
				Fix:     "add supervisor.rpcinterface_factory = " + MainRPCInterface}
		}
		ri.Factory = factory
		for _, k := range c.keysWithDefaults(s) {
			if k != "supervisor.rpcinterface_factory" {
				v, _ := r.get(k, nil)
				ri.Extras = append(ri.Extras, [2]string{k, v})
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, ri)
	}
	return out, nil
}
