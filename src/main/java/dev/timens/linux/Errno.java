package dev.timens.linux;

/** The errno values timens uses, from the kernel's include/uapi/asm-generic/errno-base.h. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EBUSY = 16;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ESPIPE = 29;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EUSERS = 87;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int ECONNABORTED = 103;
    public static final int ETIMEDOUT = 110;

    /**
     * The symbolic name of {@code errno} ("EACCES"), as {@link #describe} gives
     * it, or null for a number Linux does not define.
     */
    public static String name(int errno) {
        String description = describe(errno);
        return description.startsWith("unknown error") ? null : description.substring(0, description.indexOf(' '));
    }

    /**
     * The errno whose {@link #name} is {@code name} ("EACCES" gives 13), or -1
     * when Linux defines none by that name (aliases such as EWOULDBLOCK are not
     * names here: {@link #name} gives EAGAIN for that number).
     */
    public static int number(String name) {
        for (int errno = 1; errno <= 516; errno++) {
            if (name.equals(name(errno))) return errno;
        }
        return -1;
    }

    /**
     * "EFAULT (Bad address)", "EMFILE (Too many open files)": the name and
     * glibc's message of every errno Linux defines (errno-base.h and errno.h of
     * include/uapi/asm-generic), for messages a person reads. Never a bare
     * number, except for one Linux does not define.
     */
    public static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM (Operation not permitted)";
            case 2 -> "ENOENT (No such file or directory)";
            case 3 -> "ESRCH (No such process)";
            case 4 -> "EINTR (Interrupted system call)";
            case 5 -> "EIO (Input/output error)";
            case 6 -> "ENXIO (No such device or address)";
            case 7 -> "E2BIG (Argument list too long)";
            case 8 -> "ENOEXEC (Exec format error)";
            case 9 -> "EBADF (Bad file descriptor)";
            case 10 -> "ECHILD (No child processes)";
            case 11 -> "EAGAIN (Resource temporarily unavailable)";
            case 12 -> "ENOMEM (Cannot allocate memory)";
            case 13 -> "EACCES (Permission denied)";
            case 14 -> "EFAULT (Bad address)";
            case 15 -> "ENOTBLK (Block device required)";
            case 16 -> "EBUSY (Device or resource busy)";
            case 17 -> "EEXIST (File exists)";
            case 18 -> "EXDEV (Invalid cross-device link)";
            case 19 -> "ENODEV (No such device)";
            case 20 -> "ENOTDIR (Not a directory)";
            case 21 -> "EISDIR (Is a directory)";
            case 22 -> "EINVAL (Invalid argument)";
            case 23 -> "ENFILE (Too many open files in system)";
            case 24 -> "EMFILE (Too many open files)";
            case 25 -> "ENOTTY (Inappropriate ioctl for device)";
            case 26 -> "ETXTBSY (Text file busy)";
            case 27 -> "EFBIG (File too large)";
            case 28 -> "ENOSPC (No space left on device)";
            case 29 -> "ESPIPE (Illegal seek)";
            case 30 -> "EROFS (Read-only file system)";
            case 31 -> "EMLINK (Too many links)";
            case 32 -> "EPIPE (Broken pipe)";
            case 33 -> "EDOM (Numerical argument out of domain)";
            case 34 -> "ERANGE (Numerical result out of range)";
            case 35 -> "EDEADLK (Resource deadlock avoided)";
            case 36 -> "ENAMETOOLONG (File name too long)";
            case 37 -> "ENOLCK (No locks available)";
            case 38 -> "ENOSYS (Function not implemented)";
            case 39 -> "ENOTEMPTY (Directory not empty)";
            case 40 -> "ELOOP (Too many levels of symbolic links)";
            case 42 -> "ENOMSG (No message of desired type)";
            case 43 -> "EIDRM (Identifier removed)";
            case 44 -> "ECHRNG (Channel number out of range)";
            case 45 -> "EL2NSYNC (Level 2 not synchronized)";
            case 46 -> "EL3HLT (Level 3 halted)";
            case 47 -> "EL3RST (Level 3 reset)";
            case 48 -> "ELNRNG (Link number out of range)";
            case 49 -> "EUNATCH (Protocol driver not attached)";
            case 50 -> "ENOCSI (No CSI structure available)";
            case 51 -> "EL2HLT (Level 2 halted)";
            case 52 -> "EBADE (Invalid exchange)";
            case 53 -> "EBADR (Invalid request descriptor)";
            case 54 -> "EXFULL (Exchange full)";
            case 55 -> "ENOANO (No anode)";
            case 56 -> "EBADRQC (Invalid request code)";
            case 57 -> "EBADSLT (Invalid slot)";
            case 59 -> "EBFONT (Bad font file format)";
            case 60 -> "ENOSTR (Device not a stream)";
            case 61 -> "ENODATA (No data available)";
            case 62 -> "ETIME (Timer expired)";
            case 63 -> "ENOSR (Out of streams resources)";
            case 64 -> "ENONET (Machine is not on the network)";
            case 65 -> "ENOPKG (Package not installed)";
            case 66 -> "EREMOTE (Object is remote)";
            case 67 -> "ENOLINK (Link has been severed)";
            case 68 -> "EADV (Advertise error)";
            case 69 -> "ESRMNT (Srmount error)";
            case 70 -> "ECOMM (Communication error on send)";
            case 71 -> "EPROTO (Protocol error)";
            case 72 -> "EMULTIHOP (Multihop attempted)";
            case 73 -> "EDOTDOT (RFS specific error)";
            case 74 -> "EBADMSG (Bad message)";
            case 75 -> "EOVERFLOW (Value too large for defined data type)";
            case 76 -> "ENOTUNIQ (Name not unique on network)";
            case 77 -> "EBADFD (File descriptor in bad state)";
            case 78 -> "EREMCHG (Remote address changed)";
            case 79 -> "ELIBACC (Can not access a needed shared library)";
            case 80 -> "ELIBBAD (Accessing a corrupted shared library)";
            case 81 -> "ELIBSCN (.lib section in a.out corrupted)";
            case 82 -> "ELIBMAX (Attempting to link in too many shared libraries)";
            case 83 -> "ELIBEXEC (Cannot exec a shared library directly)";
            case 84 -> "EILSEQ (Invalid or incomplete multibyte or wide character)";
            case 85 -> "ERESTART (Interrupted system call should be restarted)";
            case 86 -> "ESTRPIPE (Streams pipe error)";
            case 87 -> "EUSERS (Too many users)";
            case 88 -> "ENOTSOCK (Socket operation on non-socket)";
            case 89 -> "EDESTADDRREQ (Destination address required)";
            case 90 -> "EMSGSIZE (Message too long)";
            case 91 -> "EPROTOTYPE (Protocol wrong type for socket)";
            case 92 -> "ENOPROTOOPT (Protocol not available)";
            case 93 -> "EPROTONOSUPPORT (Protocol not supported)";
            case 94 -> "ESOCKTNOSUPPORT (Socket type not supported)";
            case 95 -> "EOPNOTSUPP (Operation not supported)";
            case 96 -> "EPFNOSUPPORT (Protocol family not supported)";
            case 97 -> "EAFNOSUPPORT (Address family not supported by protocol)";
            case 98 -> "EADDRINUSE (Address already in use)";
            case 99 -> "EADDRNOTAVAIL (Cannot assign requested address)";
            case 100 -> "ENETDOWN (Network is down)";
            case 101 -> "ENETUNREACH (Network is unreachable)";
            case 102 -> "ENETRESET (Network dropped connection on reset)";
            case 103 -> "ECONNABORTED (Software caused connection abort)";
            case 104 -> "ECONNRESET (Connection reset by peer)";
            case 105 -> "ENOBUFS (No buffer space available)";
            case 106 -> "EISCONN (Transport endpoint is already connected)";
            case 107 -> "ENOTCONN (Transport endpoint is not connected)";
            case 108 -> "ESHUTDOWN (Cannot send after transport endpoint shutdown)";
            case 109 -> "ETOOMANYREFS (Too many references: cannot splice)";
            case 110 -> "ETIMEDOUT (Connection timed out)";
            case 111 -> "ECONNREFUSED (Connection refused)";
            case 112 -> "EHOSTDOWN (Host is down)";
            case 113 -> "EHOSTUNREACH (No route to host)";
            case 114 -> "EALREADY (Operation already in progress)";
            case 115 -> "EINPROGRESS (Operation now in progress)";
            case 116 -> "ESTALE (Stale file handle)";
            case 117 -> "EUCLEAN (Structure needs cleaning)";
            case 118 -> "ENOTNAM (Not a XENIX named type file)";
            case 119 -> "ENAVAIL (No XENIX semaphores available)";
            case 120 -> "EISNAM (Is a named type file)";
            case 121 -> "EREMOTEIO (Remote I/O error)";
            case 122 -> "EDQUOT (Disk quota exceeded)";
            case 123 -> "ENOMEDIUM (No medium found)";
            case 124 -> "EMEDIUMTYPE (Wrong medium type)";
            case 125 -> "ECANCELED (Operation canceled)";
            case 126 -> "ENOKEY (Required key not available)";
            case 127 -> "EKEYEXPIRED (Key has expired)";
            case 128 -> "EKEYREVOKED (Key has been revoked)";
            case 129 -> "EKEYREJECTED (Key was rejected by service)";
            case 130 -> "EOWNERDEAD (Owner died)";
            case 131 -> "ENOTRECOVERABLE (State not recoverable)";
            case 132 -> "ERFKILL (Operation not possible due to RF-kill)";
            case 133 -> "EHWPOISON (Memory page has hardware error)";
            // Kernel-internal codes, seen only by a tracer (a syscall's result at its exit stop).
            case 512 -> "ERESTARTSYS (to be restarted)";
            case 513 -> "ERESTARTNOINTR (to be restarted)";
            case 514 -> "ERESTARTNOHAND (to be restarted)";
            case 516 -> "ERESTART_RESTARTBLOCK (to be restarted)";
            default -> null;
        };
        return name != null ? name : "unknown error " + errno;
    }
}
