// Command crashlog is the smallest useful golance listener: it logs every
// unexpected exit to stderr. Run it from supervisord.conf with
//
//	[eventlistener:crashlog]
//	command=crashlog
//	events=PROCESS_STATE_EXITED
package main

import (
	"context"
	"log"

	"github.com/golance/golance/listener"
)

func main() {
	crashes := listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
		if ev.EventName != listener.ProcessStateExited {
			return nil // supervisord may deliver other types; nothing to do
		}
		p, err := ev.ProcessState()
		if err != nil || p.Expected {
			return err // a malformed payload is rejected; expected exits are fine
		}
		log.Printf("%s crashed (pid %d) from %s", p.Namespec(), p.PID, p.FromState)
		return nil
	})
	if err := listener.Run(context.Background(), crashes); err != nil {
		log.Fatal(err)
	}
}
