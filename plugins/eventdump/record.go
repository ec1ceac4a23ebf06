package eventdump

import "github.com/golance/golance/listener"

// record is one line of eventdump's output.
type record struct {
	EventName  string            `json:"eventname"`
	Serial     uint64            `json:"serial"`
	Pool       string            `json:"pool"`
	PoolSerial uint64            `json:"poolserial"`
	Payload    string            `json:"payload"`
	Fields     map[string]string `json:"fields"`
	// Data is the text after the payload's first line, present only for
	// PROCESS_LOG_*, PROCESS_COMMUNICATION_* and REMOTE_COMMUNICATION.
	Data *string `json:"data,omitempty"`
}

// newRecord describes ev as eventdump writes it.
func newRecord(ev listener.Event) record {
	r := record{
		EventName:  string(ev.EventName),
		Serial:     ev.Serial,
		Pool:       ev.Pool,
		PoolSerial: ev.PoolSerial,
		Payload:    ev.Payload,
		Fields:     ev.Fields(),
	}
	if ev.EventName.Is(listener.ProcessLog) || ev.EventName.Is(listener.ProcessCommunication) || ev.EventName == listener.RemoteCommunication {
		data := ev.Data()
		r.Data = &data
	}
	return r
}
