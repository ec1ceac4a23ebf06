// Package rpc is a typed client for supervisord's XML-RPC interface, as
// supervisord 4.2.x serves it on [unix_http_server] or [inet_http_server]
// when [rpcinterface:supervisor] is configured.
//
// A listener started by supervisord finds the server in its environment:
//
//	c, err := rpc.FromEnv()
//	if err != nil {
//		return err // ErrNoServerURL explains what to configure
//	}
//	info, err := c.GetProcessInfo(ctx, "web:web_01")
//
// Every method takes a context.Context. Calls that wait on a process
// (StartProcess and StopProcess with wait=true, the group and "all"
// variants) hold the HTTP response open for as long as supervisord needs,
// which can be stopwaitsecs or more, so the client never imposes a short
// HTTP timeout on them. Other calls get DefaultTimeout when their context
// has no deadline of its own (see WithTimeout).
//
// supervisord's faults come back as *Fault values whose codes are
// comparable with errors.Is:
//
//	if errors.Is(err, rpc.ErrAlreadyStarted) { ... }
//
// Where supervisord's behaviour differs from the XML-RPC conventions, this
// package follows supervisord: system.multicall returns successful values
// unwrapped rather than in one-element arrays, getAllConfigInfo reports
// unset values as the strings "none" and "auto", and log text can hold
// control characters that XML forbids, which this client delivers intact.
//
// API reference: http://supervisord.org/api.html
package rpc
