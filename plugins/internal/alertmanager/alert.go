package alertmanager

import "time"

// An Alert is one alert as Alertmanager's v2 API takes it (postableAlert):
// labels identify it, annotations describe it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// StartsAt is when the incident began: the event's time, not the
	// delivery's.
	StartsAt time.Time `json:"startsAt"`
	// EndsAt is, for a resolved alert, when it was resolved. A firing alert
	// is kept with EndsAt zero: the Sink sets it at each post, a few resend
	// intervals after the post, as Prometheus does, so that an alert that
	// waited in the outbox during an outage is not already over when it
	// arrives.
	EndsAt       time.Time `json:"endsAt,omitzero"`
	GeneratorURL string    `json:"generatorURL,omitempty"`
}

// Name returns a's alertname label.
func (a Alert) Name() string { return a.Labels["alertname"] }
