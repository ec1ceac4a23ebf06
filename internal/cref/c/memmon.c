/*
 * The reference of memmon's tick benchmark: the least that memmon -a -c
 * does at a quiet TICK under supervisord, in C.
 *
 * At its first event it lists supervisord's children (its parent's
 * /proc/<pid>/task/<pid>/children) and opens each one's statm, kept open.
 * At every event it reads each statm from offset 0, answers, then writes
 * an "RSS of process <pid> is <bytes>" line per process, in supervisord's
 * log format, in one write to stderr: memmon's work, in memmon's order
 * (its lines follow its answer). Like memmon's quiet tick it reads no
 * children lists: nothing forked. A process that has exited is dropped.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

static int memmon_check(void);
static int memmon_log(void);
#define BEFORE_ANSWER memmon_check
#define AFTER_ANSWER memmon_log
#include "listener.c"

#define MAXPROCS 8192

static int fds[MAXPROCS], nprocs = -1;
static long pids[MAXPROCS];
static unsigned long long rss[MAXPROCS];
static char lines[MAXPROCS * 96];

/* list opens the statm of each of supervisord's children. */
static int list(void)
{
	static char kids[MAXPROCS * 12];
	char path[64], *p, *end;
	size_t have = 0;
	ssize_t r;
	pid_t sup = getppid();
	int fd;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)sup, (int)sup);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	while ((r = read(fd, kids + have, sizeof kids - 1 - have)) > 0)
		have += (size_t)r;
	close(fd);
	kids[have] = '\0';
	nprocs = 0;
	for (p = kids; nprocs < MAXPROCS; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		snprintf(path, sizeof path, "/proc/%ld/statm", pid);
		if ((fd = open(path, O_RDONLY)) >= 0) {
			pids[nprocs] = pid;
			fds[nprocs++] = fd;
		}
	}
	return 0;
}

/* memmon_check reads every process's resident size. */
static int memmon_check(void)
{
	static unsigned long long page;
	int i, kept = 0;

	if (page == 0)
		page = (unsigned long long)sysconf(_SC_PAGESIZE);
	if (nprocs < 0 && list() < 0)
		return -1;
	for (i = 0; i < nprocs; i++) {
		char b[128], *sp;
		ssize_t r = pread(fds[i], b, sizeof b - 1, 0);
		if (r <= 0) {
			close(fds[i]);
			continue;
		}
		b[r] = '\0';
		sp = strchr(b, ' '); /* the size, then the resident pages */
		rss[kept] = sp ? strtoull(sp + 1, NULL, 10) * page : 0;
		fds[kept] = fds[i];
		pids[kept++] = pids[i];
	}
	nprocs = kept;
	return 0;
}

/* memmon_log writes the tick's lines at once. */
static int memmon_log(void)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	size_t o = 0;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	for (i = 0; i < nprocs; i++)
		o += (size_t)snprintf(lines + o, sizeof lines - o, "%s,%03ld INFO RSS of process %ld is %llu\n",
				      stamp, ts.tv_nsec / 1000000, pids[i], rss[i]);
	return write_all(2, lines, o);
}
