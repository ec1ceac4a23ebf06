#!/bin/sh
# A program the fidelity test drives under the real supervisord, as a
# scenario drives a virtual one: each line written to $CTL/fifo is a verb.
[ -e "$CTL/fatal" ] && exit 1
while :; do
	read -r verb arg <"$CTL/fifo" || continue
	case $verb in
	exit) exit "$arg" ;;
	log) echo "$arg" ;;
	logerr) echo "$arg" >&2 ;;
	comm) printf '<!--XSUPERVISOR:BEGIN-->%s<!--XSUPERVISOR:END-->' "$arg" ;;
	esac
done
