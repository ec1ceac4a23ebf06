package testharness

import (
	"errors"
	"time"

	"github.com/golance/golance/listener"
)

// Config describes an emulated supervisord: what its configuration file
// would hold, plus the knobs a test needs (clock, ticks, timeouts). The zero
// value of every field means supervisord's default, except where a field's
// comment says otherwise (StartSecs is the notable one: zero means no delay,
// not supervisord's 1 second, so tests are fast by default).
type Config struct {
	// Identifier is [supervisord] identifier: the server field of every
	// envelope and the answer to getIdentification. Default "supervisor".
	Identifier string

	// Groups are [group:x] sections. Programs they name belong to them
	// instead of forming a group of their own.
	Groups []Group
	// Programs are [program:x] sections.
	Programs []Program
	// Pools are [eventlistener:x] sections.
	Pools []Pool

	// RPC starts the fake XML-RPC server on a unix socket. Children then
	// get SUPERVISOR_SERVER_URL, as under a real [unix_http_server].
	RPC bool
	// Username and Password, when set, make the RPC server demand HTTP
	// basic authentication and answer 401 otherwise, like supervisord.
	Username, Password string

	// Dir holds log files; default a new temporary directory removed by
	// Close. The RPC socket always lives in a short temporary directory of
	// its own, because unix socket paths are limited to about 100 bytes.
	Dir string
	// Env is the environment children start from (supervisord passes its
	// own); default os.Environ().
	Env []string

	// Clock is the source of time; default RealClock.
	Clock Clock
	// ClockTicks emits TICK_5, TICK_60 and TICK_3600 whenever Clock enters
	// a new slice, as supervisord does. With the real clock that is every 5
	// seconds; with a FakeClock it happens as the test advances it.
	ClockTicks bool
	// TickEvery, when positive, emits ticks fast: every TickEvery of real
	// time a tick clock, starting at Clock.Now(), advances by 5 seconds and
	// the TICK_* events whose slices rolled over are notified, so TICK_60
	// comes every 12th time. Zero means no accelerated ticks.
	TickEvery time.Duration
	// BackoffUnit is how long a process waits in BACKOFF after its n-th
	// failed start: n units. supervisord's unit is one second (the default);
	// a test can shorten it to reach FATAL quickly.
	BackoffUnit time.Duration

	// WaitTimeout bounds every Wait method in addition to its context, so
	// that a test without a deadline fails instead of hanging. Default 10s.
	WaitTimeout time.Duration
}

// Group is a [group:x] section: a heterogeneous process group made of the
// processes of the named programs.
type Group struct {
	Name     string   // the x of [group:x]
	Programs []string // programs=: names of Config.Programs entries
	// Priority orders groups at start and shutdown; zero means 999.
	Priority int
}

// Program is a [program:x] section.
type Program struct {
	Name string // the x of [program:x]; also the group's name unless a Group claims it
	ProcessConfig
}

// Pool is an [eventlistener:x] section: a pool of listener processes that
// share one event buffer.
type Pool struct {
	Name string // the x of [eventlistener:x], the envelope's pool field
	// Events lists the subscribed types. A base type also subscribes to its
	// subtypes, and overlapping entries (TICK and TICK_5) make supervisord
	// deliver the same event twice, with the same serials; the harness does
	// the same. Duplicate names count once.
	Events []listener.EventType
	// BufferSize is how many events the pool holds while no listener is
	// free; the oldest is discarded when it overflows. Zero means 10.
	BufferSize int

	ProcessConfig

	// Handler runs each listener of the pool in-process with
	// listener.Serve over real pipes, instead of Command or Run. Serve's
	// logger writes to the process's stderr (see Process.Stderr) unless
	// ServeOptions sets another.
	Handler listener.Handler
	// ServeOptions are passed to listener.Serve after the logger option.
	ServeOptions []listener.Option

	// ResultHandler, if set, replaces supervisord's default result handler
	// (only the exact body "OK" means processed), like result_handler=.
	// Returning nil accepts the result, ErrReject rejects the event (it is
	// rebuffered and the listener stays usable), any other error puts the
	// listener in UNKNOWN and rebuffers the event.
	ResultHandler func(ev Event, body []byte) error
}

// ErrReject is returned by a Pool's ResultHandler to reject an event the
// way supervisord's RejectEvent does.
var ErrReject = errors.New("testharness: event rejected")
