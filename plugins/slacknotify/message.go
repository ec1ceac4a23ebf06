package slacknotify

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/slack-go/slack"
)

// Slack's limits on Block Kit text; longer text makes Slack reject the
// whole message.
const (
	maxHeader    = 150
	maxField     = 2000
	maxText      = 3000
	maxLogText   = 2900
	maxFallback  = 3000
	defaultIdent = "supervisor" // supervisord's identifier= default
)

// A scene is what one message shows: the incident as it stands, and
// where it happens.
type scene struct {
	inc  *incident
	host string
	now  time.Time
}

// alertMessage is the alert for the incident's latest failure: the first
// post, and in token mode the same message updated as failures repeat or
// the process recovers.
func alertMessage(s scene) message {
	inc, f := s.inc, s.inc.Last
	var header, text string
	if inc.Recovered {
		header = "✅ " + inc.Process + " recovered"
		text = fmt.Sprintf("%s recovered on %s after %s", inc.Process, s.host, failures(inc.Failures))
	} else {
		header = emoji(f.To) + " " + inc.Process + " " + describe(f)
		if inc.Failures > 1 {
			header += " (×" + strconv.Itoa(inc.Failures) + ")"
		}
		text = fmt.Sprintf("%s %s on %s (%s)", inc.Process, describe(f), s.host, transitionSummary(f))
	}
	fields := commonFields(s)
	fields = append(fields, field("Transition", transition(f.From, f.To)))
	fields = append(fields, failureFields(f)...)
	if inc.Failures > 1 {
		fields = append(fields, field("Failures", fmt.Sprintf("%d since %s", inc.Failures, asctime.Format(inc.Since))))
	}
	if inc.Recovered {
		fields = append(fields, field("Recovered", asctime.Format(inc.RecoveredAt)))
	}
	blocks := []slack.Block{headerBlock(header), sectionFields(fields)}
	blocks = append(blocks, logBlocks(f.Facts.Log)...)
	blocks = append(blocks, contextBlock(f.At, f.Facts.Missing))
	return message{Text: fallback(text), Blocks: blocks}
}

// recoveryMessage announces that the incident's process is RUNNING again.
func recoveryMessage(s scene) message {
	inc := s.inc
	down := inc.RecoveredAt.Sub(inc.Since)
	header := "✅ " + inc.Process + " is RUNNING again"
	text := fmt.Sprintf("%s is RUNNING again on %s after %s in %s", inc.Process, s.host, failures(inc.Failures), duration(down))
	fields := commonFields(s)
	fields = append(fields,
		field("Transition", transition(inc.RecoveredFrom, listener.StateRunning)),
		field("Down for", duration(down)+" (since "+asctime.Format(inc.Since)+")"),
		field("Failures", strconv.Itoa(inc.Failures)),
	)
	if inc.RecoveredPID > 0 {
		fields = append(fields, field("PID", strconv.Itoa(inc.RecoveredPID)))
	}
	blocks := []slack.Block{headerBlock(header), sectionFields(fields), contextBlock(inc.RecoveredAt, nil)}
	return message{Text: fallback(text), Blocks: blocks}
}

// summaryMessage reports the failures a webhook could not report by
// editing its alert, once the window closes.
func summaryMessage(s scene) message {
	inc, f := s.inc, s.inc.Last
	more := "1 more time"
	if inc.Unreported != 1 {
		more = strconv.Itoa(inc.Unreported) + " more times"
	}
	state := "not running (" + f.To.String() + ")"
	if inc.Recovered {
		state = "RUNNING again since " + asctime.Format(inc.RecoveredAt)
	}
	header := "🔁 " + inc.Process + " failed " + more
	text := fmt.Sprintf("%s failed %s on %s since %s; latest: %s; now %s",
		inc.Process, more, s.host, asctime.Format(inc.ReportedAt), transitionSummary(f), state)
	fields := commonFields(s)
	fields = append(fields,
		field("Failures", fmt.Sprintf("%d since %s (%d in all since %s)", inc.Unreported, asctime.Format(inc.ReportedAt), inc.Failures, asctime.Format(inc.Since))),
		field("Latest", transition(f.From, f.To)+" at "+asctime.Format(f.At)),
		field("Now", state),
	)
	fields = append(fields, failureFields(f)...)
	blocks := []slack.Block{headerBlock(header), sectionFields(fields)}
	blocks = append(blocks, logBlocks(f.Facts.Log)...)
	blocks = append(blocks, contextBlock(s.now, f.Facts.Missing))
	return message{Text: fallback(text), Blocks: blocks}
}

// describe says in words what a failure was, after the process name.
func describe(f failure) string {
	switch f.To {
	case listener.StateExited:
		if f.Expected {
			return "exited"
		}
		return "exited unexpectedly"
	case listener.StateBackoff:
		return "failed to start (BACKOFF)"
	case listener.StateFatal:
		return "is FATAL: supervisord gave up starting it"
	case listener.StateStopped:
		return "was stopped"
	}
	return "entered " + f.To.String()
}

func emoji(s listener.State) string {
	switch s {
	case listener.StateExited, listener.StateFatal, listener.StateUnknown:
		return "🔴"
	case listener.StateBackoff:
		return "🟠"
	}
	return "⚪"
}

func transition(from, to listener.State) string { return from.String() + " → " + to.String() }

// transitionSummary is the parenthesis of the plain-text fallback.
func transitionSummary(f failure) string {
	s := transition(f.From, f.To)
	if !f.Facts.Exit.IsZero() {
		s += ", " + f.Facts.Exit.String()
	}
	return s
}

func failures(n int) string {
	if n == 1 {
		return "1 failure"
	}
	return strconv.Itoa(n) + " failures"
}

func commonFields(s scene) []*slack.TextBlockObject {
	fields := []*slack.TextBlockObject{
		field("Host", s.host),
		field("Process", "`"+s.inc.Process+"`"),
	}
	if s.inc.Server != "" && s.inc.Server != defaultIdent {
		fields = append(fields, field("Supervisor", s.inc.Server))
	}
	return fields
}

func failureFields(f failure) []*slack.TextBlockObject {
	var fields []*slack.TextBlockObject
	d := f.Facts
	if !d.Exit.IsZero() {
		fields = append(fields, field("Exit", d.Exit.String()))
	}
	if d.RanForKnown {
		fields = append(fields, field("Ran for", duration(d.RanFor)))
	}
	if f.PID > 0 {
		fields = append(fields, field("PID", strconv.Itoa(f.PID)))
	}
	if d.SpawnErr != "" {
		fields = append(fields, field("Spawn error", d.SpawnErr))
	}
	return fields
}

// field is a "*Label*\nvalue" section field. The value is escaped: it
// comes from process names and supervisord, not from slack-notify.
func field(label, value string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, clip("*"+label+"*\n"+escape(value), maxField), false, false)
}

func headerBlock(text string) slack.Block {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(text, maxHeader), true, false))
}

// sectionFields lays fields out in a section; Slack allows ten per
// section, so a longer list continues in a second one.
func sectionFields(fields []*slack.TextBlockObject) slack.Block {
	if len(fields) > 10 {
		fields = fields[:10]
	}
	return slack.NewSectionBlock(nil, fields, nil)
}

// logBlocks shows the process's last log lines verbatim, in a
// preformatted rich-text block: unlike mrkdwn, it needs no escaping and
// cannot be broken by backticks in the log.
func logBlocks(l *logTail) []slack.Block {
	if l == nil || len(l.Lines) == 0 {
		return nil
	}
	title := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("*Last %s of %s*", lines(len(l.Lines)), l.Channel), false, false), nil, nil)
	pre := &slack.RichTextPreformatted{
		Type:     slack.RTEPreformatted,
		Elements: []slack.RichTextSectionElement{slack.NewRichTextSectionTextElement(clipHead(strings.Join(l.Lines, "\n"), maxLogText), nil)},
	}
	return []slack.Block{title, slack.NewRichTextBlock("", pre)}
}

func lines(n int) string {
	if n == 1 {
		return "line"
	}
	return strconv.Itoa(n) + " lines"
}

// contextBlock is the small print: when, who, and what could not be
// found out.
func contextBlock(at time.Time, missing []string) slack.Block {
	text := "slack-notify · " + asctime.Format(at)
	if len(missing) > 0 {
		text += " · details unavailable: " + strings.Join(missing, "; ")
	}
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clip(escape(text), maxText), false, false))
}

// fallback prepares a message's plain text: Slack reads it as mrkdwn
// too, where a process called <!channel> would notify everyone.
func fallback(text string) string { return clip(escape(text), maxFallback) }

// escape makes text safe in mrkdwn: Slack reads &, < and > as the start
// of entities and links.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// clipHead keeps the last n characters of s: the end of a log matters
// most.
func clipHead(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// duration writes d for people: "0.4s", "12s", "3m 12s", "2h 5m",
// "3d 4h".
func duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < 10*time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	d = d.Round(time.Second)
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	h, d := d/time.Hour, d%time.Hour
	m, d := d/time.Minute, d%time.Minute
	sec := d / time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}

// droppedMessage stands for messages the outbox dropped because Slack
// could not be reached for longer than its bounds allow.
func droppedMessage(d outbox.Dropped, host string) message {
	header := fmt.Sprintf("⚠️ %s dropped on %s", plural(d.Count, "Slack message"), host)
	text := d.String()
	blocks := []slack.Block{
		headerBlock(header),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(escape(text), maxText), false, false), nil, nil),
	}
	return message{Text: fallback(header + ": " + text), Blocks: blocks}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
