package testharness

func moodName(mood int) string {
	switch mood {
	case moodFatal:
		return "FATAL"
	case moodRunning:
		return "RUNNING"
	case moodRestarting:
		return "RESTARTING"
	}
	return "SHUTDOWN"
}
