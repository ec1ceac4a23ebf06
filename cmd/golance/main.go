// Command golance checks a supervisord configuration for golance's
// listeners (golance doctor) and prints their sections (golance snippet).
package main

import (
	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/plugins/doctor"
)

func main() { doctor.Main(commands.Plugins()) }
