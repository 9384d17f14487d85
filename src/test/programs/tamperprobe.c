/*
 * tamperprobe: an attacker inside the namespace, for the hardening tests
 * (dev.timens.it.TamperIT). Run as root and as an unprivileged user.
 *
 *   tamperprobe image      tries every route to write, shrink or grow the
 *                          namespace's clock image
 *   tamperprobe ancestors  tries to reach the supervisor (the first ancestor
 *                          named "java") through ptrace, /proc/PID/mem and
 *                          process_vm_writev; where ptrace works, makes the
 *                          traced thread step CLOCK_REALTIME by +50 ms with
 *                          clock_adjtime(ADJ_SETOFFSET), and steps it back at
 *                          once if that worked
 *
 * Prints one line per attempt:
 *     ROUTE name=... result=refused-ENAME | result=ok | result=SUCCEEDED
 * "ok" is a step on the way that worked (getting a read-only descriptor; as
 * root, tracing the supervisor): the test decides who may take it. SUCCEEDED
 * means the attack worked: the image changed, or the host clock stepped. Exits 0 when no attempt succeeded, 1
 * otherwise, 2 when the probe itself could not run.
 */
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

/* vdso/image-data.h's IMAGE_SYSCALL: a descriptor of the image, read-only. */
#define IMAGE_SYSCALL 0x3e000001
#define IMAGE_NAME "timens-vdso"

static int succeeded;

static void report(const char *route, long result)
{
    if (result < 0) {
        printf("ROUTE name=%s result=refused-%s\n", route, errno_name((int)-result));
    } else {
        printf("ROUTE name=%s result=SUCCEEDED\n", route);
        succeeded = 1;
    }
    fflush(stdout);
}

/* A step that root may take (root is root on the machine), but no one else. */
static void allowed(const char *route, long result)
{
    if (result < 0)
        printf("ROUTE name=%s result=refused-%s\n", route, errno_name((int)-result));
    else
        printf("ROUTE name=%s result=ok\n", route);
    fflush(stdout);
}

static long check(long r)
{
    return r < 0 ? -errno : r;
}

/* Every way to change the file behind FD (however it was obtained). */
static void attack_descriptor(const char *how, int fd)
{
    char route[160];
    char zeros[64] = { 0 };
    struct stat st;
    long size = fstat(fd, &st) == 0 ? st.st_size : 4096;

#define TRY(what, expr) do { snprintf(route, sizeof route, "%s/%s", how, what); report(route, (expr)); } while (0)
    TRY("pwrite", check(pwrite(fd, zeros, sizeof zeros, 0)));
    TRY("write", check(write(fd, zeros, sizeof zeros)));
    TRY("ftruncate-0", check(ftruncate(fd, 0)));
    TRY("ftruncate-grow", check(ftruncate(fd, size + 4096)));
    TRY("fallocate-punch", check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)));
    TRY("fallocate-grow", check(fallocate(fd, 0, 0, size + 4096)));
    void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared != MAP_FAILED) {
        memcpy(shared, zeros, 8);
        munmap(shared, 4096);
    }
    TRY("mmap-shared-write", shared == MAP_FAILED ? -errno : 0);
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (ro != MAP_FAILED) {
        long r = check(mprotect(ro, 4096, PROT_READ | PROT_WRITE));
        TRY("mmap-shared-then-mprotect-write", r);
        munmap(ro, 4096);
    }
    TRY("add-seal", check(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
    /* fchmod, then open it again for writing through /proc/self/fd. */
    fchmod(fd, 0666);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = open(path, O_RDWR);
    if (again >= 0) {
        TRY("fchmod-reopen-pwrite", check(pwrite(again, zeros, sizeof zeros, 0)));
        TRY("fchmod-reopen-ftruncate", check(ftruncate(again, 0)));
        close(again);
    } else {
        TRY("fchmod-reopen", -errno);
    }
#undef TRY
}

/* Opens PATH read-write, then write-only, and attacks whatever opens. */
static void attack_path(const char *how, const char *path)
{
    char route[160];
    static const int modes[] = { O_RDWR, O_WRONLY, O_RDONLY };
    static const char *names[] = { "open-rdwr", "open-wronly", "open-rdonly" };
    for (int i = 0; i < 3; i++) {
        int fd = open(path, modes[i]);
        snprintf(route, sizeof route, "%s/%s", how, names[i]);
        if (fd < 0) {
            report(route, -errno);
            continue;
        }
        printf("ROUTE name=%s result=ok\n", route);
        snprintf(route, sizeof route, "%s/%s", how, names[i]);
        attack_descriptor(route, fd);
        close(fd);
    }
}

static int parent_of(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *close_paren = strrchr(buf, ')');
    int ppid = -1;
    if (close_paren)
        sscanf(close_paren + 2, "%*c %d", &ppid);
    return ppid;
}

static void comm_of(int pid, char *out, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(out, (int)len, f))
        out[strcspn(out, "\n")] = 0;
    fclose(f);
}

static int find_supervisor(void)
{
    char comm[32];
    for (int pid = getppid(); pid > 1; pid = parent_of(pid)) {
        comm_of(pid, comm, sizeof comm);
        if (strcmp(comm, "java") == 0)
            return pid;
    }
    return -1;
}

static int image(void)
{
    int sup = find_supervisor();
    if (sup < 0) {
        fprintf(stderr, "tamperprobe: no ancestor named java: not under timens?\n");
        return 2;
    }
    /* 1. The descriptor timens hands out. */
    long fd = syscall(IMAGE_SYSCALL);
    if (fd >= 0) {
        printf("ROUTE name=image-syscall result=ok\n");
        attack_descriptor("image-syscall", (int)fd);
        close((int)fd);
    } else {
        report("image-syscall", -errno);
    }
    /* 2. Its own mapping of the image, through map_files (root only). */
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (maps && fgets(line, sizeof line, maps)) {
        if (!strstr(line, IMAGE_NAME))
            continue;
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) != 2)
            continue;
        char path[96];
        snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", start, end);
        attack_path("map-files", path);
        found = 1;
        break;
    }
    if (maps)
        fclose(maps);
    if (!found) {
        fprintf(stderr, "tamperprobe: the image is not in /proc/self/maps\n");
        return 2;
    }
    /* 3. The supervisor's descriptors through /proc. */
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", sup);
    DIR *d = opendir(dir);
    if (!d) {
        report("supervisor-fd-list", -errno);
        /* Blindly, then: the image is one of its first descriptors. */
        for (int i = 3; i < 32; i++) {
            char path[96];
            snprintf(path, sizeof path, "/proc/%d/fd/%d", sup, i);
            int probe = open(path, O_RDONLY);
            if (probe >= 0) {
                printf("ROUTE name=supervisor-fd-%d result=SUCCEEDED\n", i);
                succeeded = 1;
                close(probe);
            }
        }
    } else {
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[400], target[256];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            ssize_t n = readlink(path, target, sizeof target - 1);
            if (n < 0)
                continue;
            target[n] = 0;
            if (strstr(target, IMAGE_NAME))
                attack_path("supervisor-fd", path);
        }
        closedir(d);
    }
    return succeeded;
}

/*
 * Makes stopped thread PID run clock_adjtime(CLOCK_REALTIME, ADJ_SETOFFSET by
 * SEC.NSEC) with one single step, and puts its registers and code back.
 * Returns what the call returned.
 */
static long inject_adjtime(int pid, long sec, long nsec)
{
    struct user_regs_struct saved, regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
        return -errno;
    /* A syscall instruction: the one the thread is stopped after, or one written at rip. */
    unsigned long gadget = saved.rip - 2;
    errno = 0;
    long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)gadget, 0);
    long original = 0;
    int patched = 0;
    if (errno != 0 || (word & 0xffff) != 0x050f) {
        gadget = saved.rip;
        errno = 0;
        original = ptrace(PTRACE_PEEKTEXT, pid, (void *)gadget, 0);
        if (errno)
            return -errno;
        if (ptrace(PTRACE_POKETEXT, pid, (void *)gadget, (void *)((original & ~0xffffL) | 0x050f)) < 0)
            return -errno;
        patched = 1;
    }
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_SETOFFSET | ADJ_NANO;
    tx.time.tv_sec = sec;
    tx.time.tv_usec = nsec;
    unsigned long where = (saved.rsp - 16384) & ~15UL;
    for (size_t i = 0; i < sizeof tx; i += sizeof(long)) {
        long v;
        memcpy(&v, (char *)&tx + i, sizeof v);
        if (ptrace(PTRACE_POKEDATA, pid, (void *)(where + i), (void *)v) < 0)
            return -errno;
    }
    regs = saved;
    regs.rip = gadget;
    regs.rax = SYS_clock_adjtime;
    regs.orig_rax = -1;
    regs.rdi = CLOCK_REALTIME;
    regs.rsi = where;
    long result;
    int status;
    if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0 || ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0) {
        result = -errno;
    } else if (waitpid(pid, &status, __WALL) < 0) {
        result = -errno;
    } else {
        ptrace(PTRACE_GETREGS, pid, 0, &regs);
        result = (long)regs.rax;
    }
    if (patched)
        ptrace(PTRACE_POKETEXT, pid, (void *)gadget, (void *)original);
    ptrace(PTRACE_SETREGS, pid, 0, &saved);
    /* A clock_adjtime that worked returns the clock state (TIME_OK = 0 and up). */
    return result;
}

static int ancestors(void)
{
    int sup = find_supervisor();
    if (sup < 0) {
        fprintf(stderr, "tamperprobe: no ancestor named java: not under timens?\n");
        return 2;
    }
    char route[96], comm[32];
    for (int pid = getppid(); pid > 1; pid = parent_of(pid)) {
        comm_of(pid, comm, sizeof comm);
        snprintf(route, sizeof route, "attach-%s", pid == sup ? "supervisor" : comm);
        if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) {
            allowed(route, -errno);
        } else {
            allowed(route, 0);
            int status;
            waitpid(pid, &status, __WALL);
            long r = inject_adjtime(pid, 0, 50000000);
            snprintf(route, sizeof route, "step-host-clock-through-%s", pid == sup ? "supervisor" : comm);
            if (r >= 0) {
                /* It worked: put the host clock back before anything else. */
                inject_adjtime(pid, -1, 950000000);
                printf("ROUTE name=%s result=SUCCEEDED\n", route);
                succeeded = 1;
            } else {
                report(route, r);
            }
            ptrace(PTRACE_DETACH, pid, 0, 0);
        }
        if (pid == sup)
            break;
    }
    /* The supervisor's memory, without ptrace. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", sup);
    int mem = open(path, O_RDWR);
    allowed("supervisor-mem-open-rdwr", mem < 0 ? -errno : 0);
    if (mem >= 0)
        close(mem);
    char byte = 0;
    struct iovec local = { &byte, 1 };
    /* An address that is never mapped: permission is checked first, so a
     * refusal names it, and a permitted write cannot land anywhere. */
    struct iovec remote = { (void *)4096, 1 };
    long w = process_vm_writev(sup, &local, 1, &remote, 1, 0);
    allowed("supervisor-process-vm-writev", w < 0 && errno != EFAULT ? -errno : 0);
    return succeeded;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "image") == 0)
        return image();
    if (argc == 2 && strcmp(argv[1], "ancestors") == 0)
        return ancestors();
    fprintf(stderr, "usage: tamperprobe image|ancestors\n");
    return 2;
}
