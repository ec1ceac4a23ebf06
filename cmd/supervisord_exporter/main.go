// Command supervisord_exporter serves Prometheus metrics about supervisord
// and its processes from its events, posts alerts to Alertmanager, and shows
// a status page. See docs/fleet.md.
package main

import "github.com/golance/golance/plugins/exporter"

func main() { exporter.Main() }
