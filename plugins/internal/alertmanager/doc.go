// Package alertmanager posts alerts to Prometheus Alertmanager's v2 API
// (POST /api/v2/alerts), for the listeners that hand their incidents to
// Alertmanager rather than mailing or posting them themselves.
//
// Alertmanager does what a fleet needs and one host cannot: it
// deduplicates the same crash seen on forty hosts into one notification,
// groups, silences, inhibits and routes by team, and runs as a cluster. A
// client's part of its protocol is small and is the one Prometheus keeps:
//
//   - An alert is identified by its labels. Posting it again with the same
//     labels refreshes it; Alertmanager notifies only when the set of
//     alerts in a group changes (after group_wait and group_interval).
//   - A firing alert carries an endsAt a few resend intervals ahead, and is
//     posted again every interval while it fires: if the client dies, the
//     alert resolves itself at endsAt rather than firing forever, and while
//     the client lives, endsAt never passes and Alertmanager's
//     resolve_timeout never resolves a live incident.
//   - A resolved alert is the same labels with endsAt at the time of
//     recovery.
//   - With several Alertmanagers (a cluster), every alert goes to every
//     one of them; they deduplicate between themselves.
//
// The parts:
//
//	alert.go   Alert, the v2 API's postable alert
//	client.go  Client: one Alertmanager, one POST
//	sink.go    Sink: an outbox.Sink for one Alertmanager, and Resend
package alertmanager
