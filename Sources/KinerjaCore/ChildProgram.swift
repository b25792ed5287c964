#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs another program as a child and waits for it to exit, with a time limit, without holding a thread.
///
/// Foundation's `Process` learns that its child exited when a socket that the child inherited reaches its end.
/// Every process that inherited a copy of that socket keeps it open: a helper the child left behind, or another
/// program started at the same moment from another thread, whose list of descriptors to close was taken before
/// the socket existed (a database server started then lives for good). The waiter is then never told. Here the
/// child is asked for directly (`waitid` with `WNOHANG | WNOWAIT`, polled), and it inherits no descriptor but
/// its three standard ones, so it holds nothing of anyone else's either.
public enum ChildProgram {
    /// Why a run did not give a status.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        /// The run passed its limit and was killed.
        public let timedOut: Bool
    }

    /// Runs `executable` with `arguments` and returns its exit status; a child ended by a signal gives
    /// 128 + the signal's number, as a shell does. Standard input is `/dev/null`; standard output and error go to
    /// the files named (created or emptied), else to `/dev/null`; one file named for both gets both, in order. `environment`: the child's whole environment
    /// (default: this process's).
    ///
    /// `limit`: past it the child and its process group are killed and `Failure` (`timedOut`) is thrown; a
    /// cancelled task kills them too. `sweepGroup`: when the child exits, whatever it left running in its process
    /// group is killed as well (a browser's helpers).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           standardOutput: String? = nil, standardError: String? = nil,
                           limit: Duration? = nil, sweepGroup: Bool = false) async throws -> Int32 {
        try await start(executable, arguments, environment: environment, standardOutput: standardOutput,
                        standardError: standardError).wait(limit: limit, sweepGroup: sweepGroup)
    }

    /// Starts `executable` as `run` does and leaves it running (a server that a test starts): see `Running`.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             standardOutput: String? = nil, standardError: String? = nil) throws(Failure) -> Running {
        Running(pid: try spawn(executable, arguments, environment: environment, standardOutput: standardOutput,
                               standardError: standardError), executable: executable)
    }

    /// A child left running: signalled, asked whether it still runs, and waited for. It is reaped once, by `wait`
    /// (or `end`); until then its number is its own, so a signal sent through it reaches no other process.
    public final class Running: @unchecked Sendable {
        public let pid: Int32
        public let executable: String
        /// The status, once reaped; every reap and signal holds the lock, so none comes after the number is freed.
        private var status: Int32?
        private let lock = NSLock()

        init(pid: pid_t, executable: String) {
            self.pid = pid
            self.executable = executable
        }

        /// Whether it has not exited yet. (One that cannot be waited for, see `wait`, counts as exited.)
        public var isRunning: Bool {
            lock.withLock { status == nil && ((try? !ChildProgram.hasExited(pid, executable)) ?? false) }
        }

        /// Sends `signal` to the child alone (its helpers keep running), unless it was reaped.
        public func signal(_ signal: Int32) {
            lock.withLock { if status == nil { _ = kill(pid, signal) } }
        }

        /// Kills the child and its process group, and reaps it.
        public func end() {
            lock.withLock {
                guard status == nil else { return }
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                status = ChildProgram.reap(pid)
            }
        }

        /// Waits for the exit and returns the status (again, when asked again): its code, or 128 + the signal that
        /// ended it. `limit`: past it the child and its process group are killed and `Failure` (`timedOut`) is
        /// thrown; a cancelled task kills them too. `sweepGroup`: when the child exits, whatever it left running in
        /// its process group is killed as well.
        public func wait(limit: Duration? = nil, sweepGroup: Bool = false) async throws -> Int32 {
            let clock = ContinuousClock(), deadline = limit.map { clock.now + $0 }
            var pause = Duration.milliseconds(2)
            while true {
                let done: Int32? = try lock.withLock { () throws(Failure) -> Int32? in
                    if let status { return status }
                    guard try ChildProgram.hasExited(pid, executable) else { return nil }
                    // Before the child is reaped its number is still its own, so the sweep reaches only its group.
                    if sweepGroup { kill(-pid, SIGKILL) }
                    status = ChildProgram.reap(pid)
                    return status
                }
                if let done { return done }
                if let deadline, clock.now >= deadline {
                    end()
                    throw Failure(description: "\(executable) was still running after \(limit!) and was stopped", timedOut: true)
                }
                do { try await Task.sleep(for: pause) } catch {
                    end()
                    throw error
                }
                pause = min(pause * 2, .milliseconds(100))
            }
        }
    }

    /// Whether the child has exited, without reaping it (`WNOWAIT`).
    static func hasExited(_ pid: pid_t, _ executable: String) throws(Failure) -> Bool {
        var info = siginfo_t(), code: Int32
        repeat { code = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) } while code == -1 && errno == EINTR
        guard code == 0 else {
            // ECHILD: someone else reaped it, or this process was started with SIGCHLD ignored, which reaps every
            // child at once.
            let reason = String(cString: strerror(errno))
            throw Failure(description: "could not wait for \(executable) (pid \(pid)): \(reason); is SIGCHLD ignored?", timedOut: false)
        }
        return info._sifields._sigchld.si_pid != 0
    }

    /// The exited child's status, which reaps it: its code, or 128 + the signal that ended it.
    static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which Swift's Glibc module does not declare.
    private static let addCloseFrom: AddCloseFrom? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      standardOutput: String?, standardError: String?) throws(Failure) -> pid_t {
        func failed(_ what: String, _ code: Int32) -> Failure {
            Failure(description: "could not start \(executable): \(what): \(String(cString: strerror(code)))", timedOut: false)
        }
        guard access(executable, X_OK) == 0 else { throw failed("not an executable file", errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var code = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (fd, path) in [(Int32(1), standardOutput), (2, standardError)] where code == 0 {
            if fd == 2, let path, path == standardOutput {
                code = posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                code = posix_spawn_file_actions_addopen(&actions, fd, path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        }
        if code == 0, let addCloseFrom { code = addCloseFrom(&actions, 3) }
        guard code == 0 else { throw failed("file actions", code) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that a limit ends its helpers too; no blocked signals; SIGPIPE as default
        // (a server ignores it, and an ignored signal would stay ignored across exec).
        var noSignals = sigset_t(), defaults = sigset_t()
        sigemptyset(&noSignals)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        code = argv.withUnsafeBufferPointer { args in
            let args = UnsafeMutablePointer(mutating: args.baseAddress!)
            guard let envp else { return posix_spawn(&pid, executable, &actions, &attributes, args, environ) }
            return envp.withUnsafeBufferPointer { env in
                posix_spawn(&pid, executable, &actions, &attributes, args, UnsafeMutablePointer(mutating: env.baseAddress!))
            }
        }
        guard code == 0 else { throw failed("posix_spawn", code) }
        return pid
    }
}
