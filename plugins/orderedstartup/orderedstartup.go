// Package orderedstartup is the ordered-startup listener: it starts
// supervisord programs one after another, or in dependency order, and
// reports every step that does not get where it should.
package orderedstartup
