/*
 * timens-exec: the first process of a time namespace.
 *
 * Where it runs: in the child that the supervisor spawns, before the user's
 * command is exec'd. Why it is not Java: installing a seccomp filter and setting
 * NO_NEW_PRIVS must happen in the process that then calls execve, between fork
 * and exec, where no JVM can run.
 *
 * Protocol (argv: timens-exec FD KEEP SIGNALS DOOR PATH ARGV0 [ARGS...]):
 *   1. Block reading FD (a Unix stream socket) until the supervisor has attached
 *      with PTRACE_SEIZE and writes the filter: a native-endian uint32
 *      instruction count, then that many struct sock_filter. The blocking read is
 *      the synchronisation: once it returns, every later syscall of this process
 *      and its descendants is seen by the tracer, so SECCOMP_RET_TRACE never meets
 *      a missing tracer (which would turn into ENOSYS).
 *   2. Close every descriptor above 2 but FD that is not in KEEP (comma-separated, or
 *      "-" for none): the JVM's own files (its jar, its module image) are not
 *      close-on-exec, and must not reach the command, while those the user's
 *      shell passed to timens must, as they would without it.
 *   3. Drop CAP_SYS_TIME from the bounding, inheritable and ambient sets where we
 *      are allowed to: a second wall between a root user's command and the host
 *      clock (the RTC ioctls, for one, are not syscalls we trap).
 *   4. Unless SIGNALS is "-", give every signal the disposition and mask the
 *      command would have had without timens: SIGNALS is "IGNORED:BLOCKED",
 *      two hexadecimal masks as in /proc/PID/status (bit N-1 for signal N).
 *      Signals in IGNORED become SIG_IGN, all others SIG_DFL, and BLOCKED is
 *      the mask. The JVM has its own dispositions (timens ignores SIGQUIT, for
 *      one), and ignored ones would otherwise survive the exec.
 *   5. Set NO_NEW_PRIVS (required for an unprivileged seccomp filter) and read it
 *      back, install the filter with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER:
 *      the descriptor on which the supervisor answers the syscalls the filter
 *      hands to it with SECCOMP_RET_USER_NOTIF), write the listener's number to
 *      FD and wait for one byte back: the supervisor takes its own copy with
 *      pidfd_getfd meanwhile, so the listener is never without an owner. Then
 *      close both and execve(PATH, ARGV0 ARGS...). The command never holds the
 *      listener: it could otherwise answer its own calls.
 *   6. Unless DOOR is "-", just before that execve, start the namespace's door
 *      (see door() below) on descriptor DOOR, a Unix stream socket whose other
 *      end the supervisor keeps, and close DOOR here.
 * On failure it prints one line "timens: ..." and exits 125 (its own failure),
 * 126 (command not executable) or 127 (command not found), like env(1).
 *
 * "timens-exec supervisor JAVA ARGS..." is how bin/timens starts the supervisor
 * itself: it drops CAP_SYS_TIME as in step 3 and execs JAVA. Capabilities
 * belong to threads, so only a process that never had CAP_SYS_TIME has no
 * thread holding it; a root user's JVM gets every other capability back at the
 * exec (the command needs them: under NO_NEW_PRIVS it can have no capability
 * that the process starting it lacks), but not that one. A command that
 * ptrace-attaches to the supervisor finds no way to the host clock there.
 *
 * "timens-exec park" is something else: the supervisor's doorbell. It closes
 * every descriptor (it must not hold the command's pipes open) and waits in
 * pause() forever. The supervisor traces it, so a signal sent to it stops it
 * and wakes the supervisor's wait for tracee events, which no Java thread
 * could otherwise interrupt; the supervisor discards the signal and kills the
 * process when the run ends. Why it is not Java: it is a process of its own.
 *
 * "timens-exec continue LISTENER [PID [FILTER [SINCE]]]" is what is left of a namespace whose
 * processes were let go back to the host's clocks (engine v2, a process taken
 * in while running, then released): the seccomp filter cannot be taken off a
 * process, and with nobody reading its listener every call it sends there
 * would fail with ENOSYS. PID, FILTER and SINCE, unused here, are the process
 * that was taken in, a digest of the filter it was given and when (a helper
 * under that filter itself, its supervisor having been started by a process it
 * took in, is a user of the filter, so the listener never says that none is
 * left: it ends once no process started from PID after SINCE is): a timensctl attach
 * that takes it in again finds this process by them, takes a copy of the
 * listener, and sends SIGUSR1, on which this process ends between two calls.
 * It leaves the supervisor (it forks, and the child
 * goes on as init's), leaves the terminal's session, closes every other
 * descriptor, and answers each call CONTINUE, as if no filter were there,
 * until no process uses the filter. Why it is not Java: it outlives the JVM,
 * for as long as those processes run, and must cost them nothing else.
 *
 * "timens-exec watch IMAGE PIPE" is the watchdog of engine v2 (--engine v2),
 * a grandchild of the supervisor's (the child exits at once),
 * which, unlike engine v1, traces no process permanently, so that the kernel
 * would not end them with the supervisor (PTRACE_O_EXITKILL). IMAGE is a
 * descriptor of the namespace's clock image, which every process of the
 * namespace maps; PIPE is one end of a socket whose other end only the
 * supervisor holds. The watchdog leaves the terminal's session (Ctrl-C is not
 * for it) and waits for the end of file on PIPE: the supervisor has exited, or
 * was killed. Then it kills every process that still maps the image (found in
 * /proc/PID/maps by the image's inode), again and again until none is left
 * (a fork may race a kill), and exits. After a normal run none is left: timens
 * waits for every process of its namespace. A record of inode 0 on PIPE makes
 * it stand down, killing nothing: the processes were let go back to host time
 * (timensctl detach), and keep running. Why it is not Java: it must
 * outlive the JVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_INSNS 4096
/* A call only the supervisor answers: the caller enters a nested namespace
 * (dev.timens.clock.NamespaceTree.JOIN_SYSCALL). */
#define JOIN_SYSCALL 0x3e000004

static void die(int status, const char *what, int err)
{
	/* As the supervisor names an errno: "EPERM (Operation not permitted)". */
	const char *name = strerrorname_np(err);
	fprintf(stderr, "timens: %s: %s (%s)\n", what, name ? name : "?", strerror(err));
	_exit(status);
}

static void read_fully(int fd, void *buf, size_t len, const char *what)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EOF: the supervisor gave up; start nothing. */
			if (n == 0)
				_exit(125);
			die(125, what, errno);
		}
		p += n;
		len -= (size_t)n;
	}
}

static int kept(const char *keep, int fd)
{
	for (const char *p = keep; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			return 0;
		if (v == fd)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* Closes descriptors above 2 that are not kept, nor ALSO, nor ALSO2; /proc/self/fd lists them. */
static void close_others(const char *keep, int also, int also2)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		die(125, "listing /proc/self/fd", errno);
	int self = dirfd(dir);
	int fds[4096];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && n < 4096) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd <= 2 || fd == self || fd == also || fd == also2 || kept(keep, (int)fd))
			continue;
		fds[n++] = (int)fd;
	}
	closedir(dir);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void drop_sys_time(void)
{
	/* Both calls need privileges we may not have; without them there is no
	 * CAP_SYS_TIME to drop in the first place, so EPERM/EINVAL are fine. */
	prctl(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_TIME, 0, 0);

	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[0].inheritable & (1u << CAP_SYS_TIME))) {
		data[0].inheritable &= ~(1u << CAP_SYS_TIME);
		syscall(SYS_capset, &hdr, data);
	}
}

/* struct sigaction as the kernel takes it (arch/x86/include/uapi/asm/signal.h). */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void set_signals(const char *spec)
{
	if (strcmp(spec, "-") == 0)
		return;
	char *end;
	uint64_t ignored = strtoull(spec, &end, 16);
	if (*end != ':') {
		fprintf(stderr, "timens: bad signal state %s\n", spec);
		_exit(125);
	}
	uint64_t blocked = strtoull(end + 1, &end, 16);
	/* The raw syscalls, not glibc's wrappers: those refuse signals 32 and 33,
	 * which glibc's posix_spawn (how the JVM started us) sets to SIG_IGN in
	 * its child, and which a command started by a shell has at SIG_DFL. */
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct kernel_sigaction action = { 0 };
		action.handler = (ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL;
		syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask);
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blocked, NULL, sizeof blocked);
}

/*
 * Tells the supervisor the number of LISTENER over FD and waits until it has
 * taken its own copy (one byte back; end of file: it gave up, start nothing).
 */
static void hand_over_listener(int fd, int listener)
{
	int32_t number = listener;
	for (size_t done = 0; done < sizeof number;) {
		ssize_t n = write(fd, (char *)&number + done, sizeof number - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(125, "handing the seccomp listener to the supervisor", errno);
		done += (size_t)n;
	}
	char ack;
	read_fully(fd, &ack, 1, "waiting for the supervisor to take the seccomp listener");
}

static void park(void)
{
	/* Ignored signals still stop a traced process (kernel/signal.c: sig_ignored),
	 * so the doorbell rings; untraced (before the supervisor attaches) they do
	 * nothing, whatever the terminal sends. */
	for (int sig = 1; sig < 65; sig++)
		signal(sig, SIG_IGN);
	close_others("", -1, -1);
	for (int fd = 0; fd <= 2; fd++)
		close(fd);
	for (;;)
		pause();
}

/* Whether process PID maps a file of one of the COUNT inodes INODES (a line of /proc/PID/maps ends with it and a path). */
static int maps_inode(const char *pid, const unsigned long *inodes, size_t count)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/maps", pid);
	FILE *maps = fopen(path, "re");
	if (!maps)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof line, maps)) {
		unsigned long at;
		char dev[16];
		/* address perms offset dev inode [path] */
		if (sscanf(line, "%*s %*s %*s %15s %lu", dev, &at) != 2 || !strstr(line, "/memfd:timens-vdso"))
			continue;
		for (size_t i = 0; i < count && !found; i++)
			found = at == inodes[i];
	}
	fclose(maps);
	return found;
}

/*
 * Leaves the supervisor for good: not a child of its (it waits for its own
 * children, and this process is none of the command's business: the
 * supervisor reaps the one that forks, the other goes on as init's), out of
 * the terminal's session and its signals, with no descriptor but KEEP.
 */
static void leave_supervisor(const char *what, int keep)
{
	pid_t child = fork();
	if (child < 0)
		die(125, what, errno);
	if (child > 0)
		_exit(0);
	setsid();
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	close_others("", keep, -1);
	for (int fd = 0; fd <= 2; fd++)
		close(fd);
}

static volatile sig_atomic_t handing_over;

/* Process P's parent and start time (clock ticks since boot), from /proc/P/stat; 0 when gone. */
static int parent_and_start(long p, long *parent, unsigned long long *start)
{
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", p);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	char *at = strrchr(text, ')');
	if (!at)
		return 0;
	/* ") S PPID" then fields 5 to 21, then starttime, field 22 */
	if (sscanf(at + 2, "%*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   parent, start) != 2)
		return 0;
	return 1;
}

/*
 * Whether a process but this one may still have the filter of process PID
 * given at SINCE: PID itself, or a process started after SINCE whose parents
 * up to PID all were. For a helper that has that filter itself (its
 * supervisor was started by a process it took in), whose listener then never
 * reports that no process uses it.
 */
static int filter_in_use(long pid, unsigned long long since)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return 1;
	long self = (long)getpid();
	int used = 0;
	struct dirent *e;
	while (!used && (e = readdir(proc))) {
		char *end;
		long p = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || p == self)
			continue;
		for (long q = p, hops = 0; q > 1 && hops < 4096; hops++) {
			if (q == pid) {
				used = 1;
				break;
			}
			long parent;
			unsigned long long start;
			if (!parent_and_start(q, &parent, &start) || start <= since)
				break;
			q = parent;
		}
	}
	closedir(proc);
	return used;
}

/* Whether this process runs under a seccomp filter (Seccomp: 2 in /proc/self/status). */
static int filtered(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	char line[256];
	int mode = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode == 2;
}

static void hand_over(int sig)
{
	(void)sig;
	handing_over = 1;
}

static void answer_continue(int listener, long pid, unsigned long long since)
{
	leave_supervisor("continue: fork", listener);
	/* Under the filter it answers, it is a user of it itself: it looks for others every second. */
	int look = pid > 0 && since > 0 && filtered();
	struct timespec second = { 1, 0 };
	/* SIGUSR1 comes from a timensctl attach that took a copy of the listener
	 * (pidfd_getfd) to serve the process again: this process then ends
	 * between two calls, never holding one it received. It is blocked but
	 * while waiting in ppoll, so that it cannot come between a check and the
	 * wait. */
	sigset_t usr1, waiting;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	sigdelset(&waiting, SIGUSR1);
	struct sigaction action;
	memset(&action, 0, sizeof action);
	action.sa_handler = hand_over;
	sigaction(SIGUSR1, &action, NULL);
	for (;;) {
		struct pollfd p = { listener, POLLIN, 0 };
		int ready = ppoll(&p, 1, look ? &second : NULL, &waiting);
		if (handing_over)
			_exit(0);
		if (ready == 0) {
			if (!filter_in_use(pid, since))
				_exit(0);
			continue;
		}
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (!(p.revents & POLLIN)) {
			if (p.revents & (POLLHUP | POLLERR))
				_exit(0); /* no process uses the filter any more */
			continue;
		}
		struct seccomp_notif req;
		memset(&req, 0, sizeof req);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
			continue; /* ENOENT: the caller went away */
		struct seccomp_notif_resp resp;
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: the caller went away */
	}
}

static void watch(int image, int pipe_end)
{
	struct stat st;
	if (fstat(image, &st) != 0)
		die(125, "watch: the clock image", errno);
	leave_supervisor("watch: fork", pipe_end); /* closes the image's descriptor too */
	/* The supervisor sends the inode of each nested namespace's image (8 bytes,
	 * native order) as it makes them; the end of PIPE_END is its end. */
	size_t count = 1, room = 16;
	unsigned long *inodes = malloc(room * sizeof *inodes);
	if (!inodes)
		_exit(1);
	inodes[0] = (unsigned long)st.st_ino;
	unsigned char record[sizeof(unsigned long)];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(pipe_end, record + have, sizeof record - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the supervisor is gone */
		have += (size_t)n;
		if (have < sizeof record)
			continue;
		have = 0;
		unsigned long inode;
		memcpy(&inode, record, sizeof inode);
		if (inode == 0)
			_exit(0); /* stand down: the namespace's processes were let go, none is to die */
		if (count == room) {
			unsigned long *more = realloc(inodes, 2 * room * sizeof *inodes);
			if (!more)
				continue; /* that namespace's processes are not watched; the others are */
			inodes = more;
			room *= 2;
		}
		memcpy(&inodes[count++], record, sizeof record);
	}
	pid_t self = getpid();
	for (int round = 0; round < 1000; round++) {
		int killed = 0;
		DIR *proc = opendir("/proc");
		if (!proc)
			_exit(1);
		struct dirent *e;
		while ((e = readdir(proc))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (*end || end == e->d_name || pid == self)
				continue;
			if (maps_inode(e->d_name, inodes, count) && kill((pid_t)pid, SIGKILL) == 0)
				killed++;
		}
		closedir(proc);
		if (!killed)
			_exit(0);
		usleep(1000);
	}
	_exit(1);
}

/*
 * The door: how "timensctl exec" starts a process in a running namespace.
 *
 * A process enters the namespace's seccomp filter only by being forked from a
 * process that has it (the kernel refuses a second listener, and engine v1
 * follows forks), so the namespace keeps one process for that: this one.
 * timens-exec forks it after installing the filter, before exec'ing the
 * command, through a child that exits at once: the command never sees it as
 * its child, and the supervisor, a subreaper, adopts it. It names itself
 * timens-door, leaves the terminal's session, holds none of the command's
 * descriptors, and ends when the command has ended (a pidfd of it) or the
 * supervisor closes its end of SOCK.
 *
 * Each request from the supervisor is a native-endian uint32 length N carrying four
 * descriptors (SCM_RIGHTS: the timensctl connection and timensctl's standard
 * input, output and error), then N bytes of NUL-terminated strings: PATH, CWD,
 * SIGNALS (as timens-exec's), ARGC, ARGC arguments, then the environment.
 * For each, the door forks a monitor, which starts the command and talks to
 * timensctl over the connection (lines of text):
 *   to timensctl:   "pid PID", then "exit CODE" or "killed SIGNAL" or
 *                   "killed SIGNAL core"; or instead "failed STATUS LINE"
 *                   (nothing runs; STATUS as env(1)'s, LINE for the user)
 *   from timensctl: "signal N" sends signal N to the command's process group
 *                   (it leads one of its own); the end of the connection sends
 *                   it SIGHUP, as a terminal hanging up would.
 */
#define DOOR_MAX_REQUEST ((8u << 20) + 64) /* Protocol.MAX_EXEC_REQUEST, and the JOIN field */

struct request {
	int conn, in, out, err;
	char *payload;
	uint32_t length;
};

/* One request; 0 at the end of SOCK (or on what only a broken supervisor sends). */
static int door_receive(int sock, struct request *r)
{
	uint32_t length;
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { &length, sizeof length };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	ssize_t n;
	memset(&control, 0, sizeof control);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0; /* the end of SOCK, or a failure: the control buffer holds nothing */
	int fds[4], count = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (count < 4)
				fds[count++] = fd;
			else
				close(fd);
		}
	}
	if (n != sizeof length || count != 4 || (msg.msg_flags & MSG_CTRUNC) || length == 0 ||
	    length > DOOR_MAX_REQUEST) {
		for (int i = 0; i < count; i++)
			close(fds[i]);
		return 0;
	}
	char *payload = malloc(length + 1);
	if (!payload)
		return 0;
	for (uint32_t done = 0; done < length;) {
		n = read(sock, payload + done, length - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(payload);
			for (int i = 0; i < 4; i++)
				close(fds[i]);
			return 0;
		}
		done += (uint32_t)n;
	}
	payload[length] = '\0';
	*r = (struct request){ fds[0], fds[1], fds[2], fds[3], payload, length };
	return 1;
}

static void write_line(int fd, const char *line)
{
	size_t len = strlen(line);
	while (len > 0) {
		ssize_t n = write(fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* timensctl is gone */
		line += n;
		len -= (size_t)n;
	}
}

/* In the command's child: says why it could not start (to the monitor, over REPORT) and exits STATUS. */
static void refuse_start(int report, int status, const char *what, int err)
{
	const char *name = strerrorname_np(err);
	char line[4096 + 256];
	snprintf(line, sizeof line, "failed %d %s: %s (%s)\n", status, what, name ? name : "?", strerror(err));
	write_line(report, line);
	_exit(status);
}

/* SIG to the command's process group, as a terminal sends it; to the command alone if it left its group. */
static void signal_command(pid_t command, int sig)
{
	if (kill(-command, sig) != 0)
		kill(command, sig);
}

/* The monitor of one request: starts its command, reports it, relays signals, reports its end. */
static void door_monitor(struct request *r)
{
	/* JOIN PATH CWD SIGNALS ARGC ARGV... ENV...: JOIN is 0, or the token of the
	 * nested namespace the command enters (syscall JOIN_SYSCALL before its exec). */
	size_t fields = 0;
	for (uint32_t i = 0; i < r->length; i++)
		fields += r->payload[i] == '\0';
	if (r->payload[r->length - 1] != '\0' || fields < 6) {
		write_line(r->conn, "failed 125 malformed request\n");
		_exit(0);
	}
	char *end;
	unsigned long long join = strtoull(r->payload, &end, 10);
	if (*end) {
		write_line(r->conn, "failed 125 malformed request\n");
		_exit(0);
	}
	fields--;
	char **field = calloc(fields + 2, sizeof *field);
	if (!field)
		_exit(1);
	char *p = r->payload + strlen(r->payload) + 1;
	for (size_t i = 0; i < fields; i++) {
		field[i] = p;
		p += strlen(p) + 1;
	}
	long argc = strtol(field[3], &end, 10);
	if (*end || argc < 1 || (size_t)argc > fields - 4) {
		write_line(r->conn, "failed 125 malformed request\n");
		_exit(0);
	}
	char **args = field + 4;
	char **env = args + argc + 1;
	/* Shift the environment up one: argv needs its NULL after ARGC entries. */
	memmove(env, args + argc, (fields - 4 - (size_t)argc) * sizeof *env);
	args[argc] = NULL;
	env[fields - 4 - (size_t)argc] = NULL;

	int report[2];
	if (pipe2(report, O_CLOEXEC) != 0) {
		write_line(r->conn, "failed 125 timens: pipe2 failed\n");
		_exit(0);
	}
	signal(SIGCHLD, SIG_DFL);
	pid_t child = fork();
	if (child < 0) {
		write_line(r->conn, "failed 125 timens: cannot fork in the namespace\n");
		_exit(0);
	}
	if (child == 0) {
		close(report[0]);
		/* A session and process group of its own: "kill 0" in one joined command
		 * must not reach the door or another's, signals passed on reach what it
		 * starts, and a terminal timensctl made for it can be its own. */
		setsid();
		/* First: a token left unused would keep its namespace from being retired. */
		if (join && syscall(JOIN_SYSCALL, join) != 0)
			refuse_start(report[1], 125, "timens: entering the nested namespace", errno);
		if (dup2(r->in, 0) < 0 || dup2(r->out, 1) < 0 || dup2(r->err, 2) < 0)
			refuse_start(report[1], 125, "dup2", errno);
		/* timensctl's pseudo-terminal becomes its controlling terminal; the
		 * user's own terminal, another session's, stays what it is (EPERM). */
		if (isatty(0))
			ioctl(0, TIOCSCTTY, 0);
		if (chdir(field[1]) != 0) {
			char what[4096 + 64];
			snprintf(what, sizeof what, "changing to the directory %s in the namespace", field[1]);
			refuse_start(report[1], 125, what, errno);
		}
		set_signals(strcmp(field[2], "-") == 0 ? "0:0" : field[2]);
		execve(field[0], args, env);
		refuse_start(report[1], errno == ENOENT || errno == ENOTDIR ? 127 : 126, field[0], errno);
	}
	/* No setpgid here: the child's setsid would fail in a group it already leads.
	 * Until it runs, a signal passed on reaches it alone (signal_command). */
	close(report[1]);
	close(r->in);
	close(r->out);
	close(r->err);
	char failure[4096 + 512];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(report[0], failure + got, sizeof failure - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (got += (size_t)n) == sizeof failure - 1)
			break;
	}
	close(report[0]);
	if (got > 0) {
		/* The exec failed: the command's child says why, and has exited. */
		failure[got] = '\0';
		write_line(r->conn, failure);
		waitpid(child, NULL, 0);
		_exit(0);
	}
	char line[64];
	snprintf(line, sizeof line, "pid %d\n", (int)child);
	write_line(r->conn, line);

	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	struct pollfd watched[2] = { { pidfd, POLLIN, 0 }, { r->conn, POLLIN, 0 } };
	char heard[128];
	size_t have = 0;
	while (pidfd >= 0) {
		if (poll(watched, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (watched[0].revents)
			break; /* the command has ended */
		if (!watched[1].revents)
			continue;
		ssize_t n = read(r->conn, heard + have, sizeof heard - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			signal_command(child, SIGHUP); /* timensctl is gone */
			watched[1].fd = -1;
			continue;
		}
		have += (size_t)n;
		char *newline;
		while ((newline = memchr(heard, '\n', have))) {
			*newline = '\0';
			int sig;
			if (sscanf(heard, "signal %d", &sig) == 1 && sig >= 1 && sig <= 64)
				signal_command(child, sig);
			size_t used = (size_t)(newline - heard) + 1;
			memmove(heard, newline + 1, have - used);
			have -= used;
		}
		if (have == sizeof heard - 1)
			have = 0; /* no request is this long: drop it */
	}
	int status;
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(1);
	}
	if (WIFEXITED(status))
		snprintf(line, sizeof line, "exit %d\n", WEXITSTATUS(status));
	else
		snprintf(line, sizeof line, "killed %d%s\n", WTERMSIG(status), WCOREDUMP(status) ? " core" : "");
	write_line(r->conn, line);
	_exit(0);
}

static void door(int sock, int command)
{
	prctl(PR_SET_NAME, "timens-door", 0, 0, 0);
	setsid();
	/* SIGCHLD ignored: the monitors are reaped by the kernel. */
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN);
	close_others("", sock, command);
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(1); /* descriptors 0 to 2 must stay taken: received ones would land there */
	for (int fd = 0; fd <= 2; fd++)
		if (null != fd)
			dup2(null, fd);
	if (null > 2)
		close(null);
	struct pollfd watched[2] = { { sock, POLLIN, 0 }, { command, POLLIN, 0 } };
	for (;;) {
		if (poll(watched, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (watched[1].revents)
			_exit(0); /* the command has ended: nothing joins a namespace that is ending */
		struct request r;
		if (!door_receive(sock, &r))
			_exit(0);
		pid_t monitor = fork();
		if (monitor == 0) {
			close(sock);
			close(command);
			door_monitor(&r);
		}
		if (monitor < 0)
			write_line(r.conn, "failed 125 timens: cannot fork in the namespace\n");
		close(r.conn);
		close(r.in);
		close(r.out);
		close(r.err);
		free(r.payload);
	}
}

/* Step 6: forks the door, detached (see door()), and closes SOCK here. */
static void start_door(int sock)
{
	int command = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (command < 0)
		die(125, "pidfd_open (Linux 5.3 or later needed)", errno);
	pid_t child = fork();
	if (child < 0)
		die(125, "starting the namespace's door: fork", errno);
	if (child == 0) {
		pid_t door_pid = fork();
		if (door_pid == 0)
			door(sock, command);
		_exit(door_pid < 0 ? 1 : 0);
	}
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	close(command);
	close(sock);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "park") == 0)
		park();
	if (argc == 4 && strcmp(argv[1], "watch") == 0)
		watch(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 3 && argc <= 6 && strcmp(argv[1], "continue") == 0)
		answer_continue(atoi(argv[2]), argc == 6 ? atol(argv[3]) : 0,
				argc == 6 ? strtoull(argv[5], NULL, 10) : 0);
	if (argc >= 3 && strcmp(argv[1], "supervisor") == 0) {
		drop_sys_time();
		execv(argv[2], argv + 2);
		die(126, argv[2], errno);
	}
	if (argc < 7) {
		fprintf(stderr, "timens-exec: internal helper of timens, not meant to be run directly\n");
		return 125;
	}
	int fd = atoi(argv[1]);
	const char *keep = argv[2];
	const char *signals = argv[3];
	int door = strcmp(argv[4], "-") == 0 ? -1 : atoi(argv[4]);
	const char *path = argv[5];

	uint32_t count;
	read_fully(fd, &count, sizeof count, "reading the seccomp filter");
	if (count == 0 || count > MAX_INSNS) {
		fprintf(stderr, "timens: bad seccomp filter length %u\n", count);
		return 125;
	}
	static struct sock_filter insns[MAX_INSNS];
	read_fully(fd, insns, count * sizeof insns[0], "reading the seccomp filter");

	close_others(keep, fd, door);
	drop_sys_time();
	set_signals(signals);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die(125, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		fprintf(stderr, "timens: NO_NEW_PRIVS did not stick\n");
		return 125;
	}

	struct sock_fprog prog = { .len = (unsigned short)count, .filter = insns };
	/* SPEC_ALLOW: do not force the speculative-store-bypass mitigation on the
	 * whole tree just because it is filtered; probed, not assumed (Linux 4.17+). */
	unsigned flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog);
	if (listener < 0 && errno == EINVAL)
		listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (listener < 0)
		die(125, errno == EINVAL ? "installing the seccomp filter (Linux 5.0 or later needed)"
				: errno == EBUSY ? "installing the seccomp filter (a process has one seccomp listener at"
						   " most, and this one runs under another program's, which is not a"
						   " timens that could nest this namespace in its own)"
				: "installing the seccomp filter", errno);
	hand_over_listener(fd, (int)listener);
	close((int)listener);
	close(fd);
	if (door >= 0)
		start_door(door);

	execv(path, argv + 6);
	die(errno == ENOENT || errno == ENOTDIR ? 127 : 126, path, errno);
}
