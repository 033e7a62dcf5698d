#if canImport(Glibc)
import Glibc
#endif

extension WallClock {
    /// Blocks the thread for `seconds`; a signal does not cut the wait short.
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        while Glibc.nanosleep(&request, &remaining) == -1 && errno == EINTR {
            request = remaining
        }
    }
}
