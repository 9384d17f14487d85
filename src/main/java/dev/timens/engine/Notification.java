package dev.timens.engine;

import dev.timens.linux.Errno;
import dev.timens.linux.SeccompNotify;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One call of a notified syscall ({@link SyscallSet.Builder#notify}): its caller
 * waits in the kernel, without a ptrace stop, until it is answered. Answer it
 * once; a call the tool leaves unanswered fails with ENOSYS.
 *
 * <p>The numbers in it are what the caller passed: anything at all, from any
 * process of the namespace, which is why a tool must check them and never trust
 * them.
 */
public final class Notification implements SyscallCall {
    private final int listener;
    private final MemorySegment notif;
    private final MemorySegment scratch;
    private boolean answered;

    private final TraceeMemory memory;

    Notification(int listener, MemorySegment notif, MemorySegment scratch, MemorySegment memoryScratch) {
        this.listener = listener;
        this.notif = notif;
        this.scratch = scratch;
        this.memory = new ProcessMemory(tid(), memoryScratch);
    }

    /**
     * The caller's memory (process_vm_readv and process_vm_writev: the caller
     * waits in the kernel, so nothing of it moves meanwhile, but another thread
     * of its process may). Check {@link #isValid} after reading and before
     * acting on what was read.
     */
    @Override
    public TraceeMemory memory() {
        return memory;
    }

    /** Argument {@code index} as an address in the caller. */
    @Override
    public RemotePtr pointerArg(int index) {
        return new RemotePtr(arg(index));
    }

    /**
     * Whether the caller still waits for this answer: it was not killed or
     * interrupted by a signal since the call was received (then its tid may
     * already name another thread, and the call will be made again).
     */
    public boolean isValid() {
        return SeccompNotify.isValid(listener, scratch, id());
    }

    /**
     * Makes the call return {@code result} without running it; a result from
     * -4095 to -1 is the error -result, as the kernel reports one.
     */
    public void answer(long result) {
        if (result < 0 && result >= -4095) {
            answerWithError((int) -result);
            return;
        }
        answered = true;
        SeccompNotify.answerWithValue(listener, scratch, id(), result);
    }

    /** The calling thread's id, as this supervisor's pid namespace sees it. */
    @Override
    public int tid() {
        return notif.get(ValueLayout.JAVA_INT, SeccompNotify.NOTIF_PID);
    }

    /** The x86_64 syscall number. */
    @Override
    public int number() {
        return notif.get(ValueLayout.JAVA_INT, SeccompNotify.NOTIF_DATA + SeccompAction.OFFSET_NR);
    }

    /** Argument {@code index} (0 to 5). */
    @Override
    public long arg(int index) {
        return notif.get(ValueLayout.JAVA_LONG, SeccompNotify.NOTIF_DATA + SeccompAction.offsetOfArg(index));
    }

    /**
     * Installs a duplicate of this process's descriptor {@code fd} in the caller,
     * with {@code flags} (O_CLOEXEC, say), and makes its number the call's result.
     * When the caller cannot take one more descriptor (its RLIMIT_NOFILE, say),
     * the call fails with that error instead. Returns the number, or
     * {@code -errno}.
     */
    public long answerWithDescriptor(int fd, int flags) {
        return answerWithDescriptorAt(fd, -1, flags);
    }

    /**
     * As {@link #answerWithDescriptor}, but the descriptor gets number
     * {@code slot} in the caller, like dup2 (whatever was there is closed), or
     * the lowest free one when {@code slot} is -1.
     */
    public long answerWithDescriptorAt(int fd, int slot, int flags) {
        answered = true;
        long result = SeccompNotify.answerWithDescriptor(listener, scratch, id(), fd, slot, flags);
        if (result < 0 && result != -Errno.ENOENT) SeccompNotify.answerWithError(listener, scratch, id(), (int) -result);
        return result;
    }

    @Override
    public long instructionPointer() {
        return notif.get(ValueLayout.JAVA_LONG, SeccompNotify.NOTIF_DATA + SeccompAction.OFFSET_INSTRUCTION_POINTER);
    }

    /**
     * Lets the kernel run the call as the program made it
     * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Only for calls whose arguments the
     * kernel reads afresh and the tool has no stake in: what the program's
     * memory says when the kernel reads it is what runs.
     */
    public void proceed() {
        answered = true;
        SeccompNotify.answerContinue(listener, scratch, id());
    }

    /** Makes the call fail with {@code errno}, without running it. */
    public void answerWithError(int errno) {
        answered = true;
        SeccompNotify.answerWithError(listener, scratch, id(), errno);
    }

    boolean answered() {
        return answered;
    }

    /** Taken by the engine, which answers it (or makes it moot) from another thread. */
    void handedOver() {
        answered = true;
    }

    int listener() {
        return listener;
    }

    /** The kernel's id of this call: for answering it later, from another thread, with the listener. */
    long id() {
        return notif.get(ValueLayout.JAVA_LONG, SeccompNotify.NOTIF_ID);
    }
}
