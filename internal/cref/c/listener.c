/*
 * The reference listener of `make bench`: the least work a correct
 * supervisord 4 event listener does. In steady state it makes one read()
 * and one write() per event: the read takes the whole envelope, which the
 * dispatcher writes at once, and the write answers it together with the
 * next READY.
 *
 * It reads the header's len and skips that many UTF-8 code points
 * (supervisord 4 counts len in code points), so it stays in step with
 * events of any size, split across any number of reads. supervisord sends
 * valid UTF-8 only, which the skipping relies on.
 *
 * Another reference reuses this loop by defining BEFORE_ANSWER and
 * AFTER_ANSWER, the work around each answer (returning -1 to exit), and
 * including this file: see memmon.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BEFORE_ANSWER
#define BEFORE_ANSWER() 0
#endif
#ifndef AFTER_ANSWER
#define AFTER_ANSWER() 0
#endif

static char buf[1 << 16];
static size_t pos, have; /* buf[pos:have] is read but not yet used */

/* fill reads more after buf[:have]; it returns what read() returned. */
static ssize_t fill(void)
{
	ssize_t r;
	do
		r = read(0, buf + have, sizeof buf - have);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		have += (size_t)r;
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* seqlen is the length of the UTF-8 sequence that starts with b. */
static size_t seqlen(unsigned char b)
{
	return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

int main(void)
{
	static const char ready[] = "READY\n";
	static const char answer[] = "RESULT 2\nOKREADY\n";

	if (write_all(1, ready, sizeof ready - 1) < 0)
		return 1;
	for (;;) {
		char *nl, *len = NULL, *p;
		size_t owed = 0; /* bytes of the payload's last code point not yet read */
		long n;
		ssize_t r;

		/* The header line. */
		while ((nl = memchr(buf + pos, '\n', have - pos)) == NULL) {
			memmove(buf, buf + pos, have - pos);
			have -= pos;
			pos = 0;
			if (have == sizeof buf)
				return 1; /* no newline in 64 KiB: not supervisord */
			if ((r = fill()) <= 0)
				return r == 0 && have == 0 ? 0 : 1;
		}
		*nl = '\0';
		/* len is the last field; the server's name may hold spaces. */
		for (p = buf + pos; (p = strstr(p, " len:")) != NULL; p++)
			len = p;
		if (len == NULL)
			return 1;
		n = strtol(len + 5, NULL, 10);
		pos = (size_t)(nl - buf) + 1;

		/* The payload: n code points, in as many reads as it takes. */
		while (n > 0 || owed > 0) {
			if (pos == have) {
				pos = have = 0;
				if (fill() <= 0)
					return 1;
			}
			if (owed > 0) {
				size_t step = owed < have - pos ? owed : have - pos;
				pos += step;
				owed -= step;
				continue;
			}
			while (n > 0 && pos < have) {
				size_t l = seqlen((unsigned char)buf[pos]);
				n--;
				if (l > have - pos) {
					owed = l - (have - pos);
					pos = have;
				} else {
					pos += l;
				}
			}
		}
		if (pos == have)
			pos = have = 0;
		if (BEFORE_ANSWER() < 0)
			return 1;
		if (write_all(1, answer, sizeof answer - 1) < 0)
			return 1;
		if (AFTER_ANSWER() < 0)
			return 1;
	}
}
