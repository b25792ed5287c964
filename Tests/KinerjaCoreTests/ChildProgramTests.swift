import Foundation
import KinerjaCore
import Testing

/// A child program's status, its output files, its time limit, and what it leaves behind. The server prints PDFs
/// through such a child, and the tests start psql, the server and PostgreSQL itself the same way.
@Suite struct ChildProgramTests {
    func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Whether process `pid` still runs (a zombie has ended: only its parent has not yet read its status).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Waits up to 10 s for `pid` to end; whether it did.
    static func ends(_ pid: Int32) async throws -> Bool {
        for _ in 0..<100 where alive(pid) { try await Task.sleep(for: .milliseconds(100)) }
        return !alive(pid)
    }

    @Test(arguments: [
        ("exit 0", 0),
        ("exit 3", 3),
        ("exit 255", 255),
        ("kill -TERM $$", 128 + 15),   // ended by a signal: 128 + its number, as a shell says
        ("kill -KILL $$", 128 + 9),
    ] as [(String, Int32)])
    func theStatusIsTheChilds(script: String, status: Int32) async throws {
        #expect(try await ChildProgram.run("/bin/sh", ["-c", script]) == status)
    }

    @Test func outputGoesToTheFilesNamedAndOneFileTakesBothInOrder() async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path, err = folder.appendingPathComponent("err").path
        let both = folder.appendingPathComponent("both").path
        let script = "echo one; echo two >&2; echo three; echo \"$KINERJA_CHILD\""
        _ = try await ChildProgram.run("/bin/sh", ["-c", script], environment: ["KINERJA_CHILD": "given"],
                                       standardOutput: out, standardError: err)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "one\nthree\ngiven\n")
        #expect(try String(contentsOfFile: err, encoding: .utf8) == "two\n")
        _ = try await ChildProgram.run("/bin/sh", ["-c", script], standardOutput: both, standardError: both)
        #expect(try String(contentsOfFile: both, encoding: .utf8) == "one\ntwo\nthree\n\n", "the environment given replaces this one's")
    }

    /// The child holds no descriptor of this process beyond its three standard ones: none of another child's,
    /// none of the database's connections.
    @Test func theChildInheritsOnlyItsStandardDescriptors() async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let held = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/etc/hostname"))
        defer { try? held.close() }
        let out = folder.appendingPathComponent("fds").path
        // sh's own descriptors, listed by a child that sh replaces itself with: 0, 1, 2 and ls's own listing.
        #expect(try await ChildProgram.run("/bin/sh", ["-c", "exec ls /proc/self/fd"], standardOutput: out) == 0)
        let fds = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(held.fileDescriptor > 3)
        #expect(!fds.isEmpty && Set(fds).isSubset(of: [0, 1, 2, 3]), "inherited: \(fds)")
    }

    /// What Foundation's `Process` waits for, the end of a socket its child inherited, never comes while a
    /// helper that the child left behind keeps the socket; its termination handler then waits as long as the
    /// helper. Here the child's own exit is what counts: the helper sleeps 60 s, the run's limit is 20 s.
    @Test func aChildThatLeavesAHelperRunningHasExited() async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("helper").path
        let script = "sleep 60 & echo $! > \(pidFile)"

        #expect(try await ChildProgram.run("/bin/sh", ["-c", script], limit: .seconds(20)) == 0)
        let kept = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(kept, SIGKILL) }
        #expect(Self.alive(kept), "without sweepGroup the helper is left alone")

        #expect(try await ChildProgram.run("/bin/sh", ["-c", script], limit: .seconds(20), sweepGroup: true) == 0)
        let swept = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(swept, SIGKILL) }
        #expect(try await Self.ends(swept), "sweepGroup ends what the child left in its group")
    }

    /// Past its limit the child is stopped, with what it started, and the caller is told so. The limit runs once
    /// the helper's number is written (the file is renamed into place whole), however late a loaded machine gets
    /// there.
    @Test func aRunPastItsLimitIsStoppedWithItsHelpers() async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("helper").path
        let child = try ChildProgram.start("/bin/sh", ["-c", "sleep 60 & echo $! > \(pidFile).new && mv \(pidFile).new \(pidFile); wait"])
        defer { child.end() }
        var helper: Int32?
        for _ in 0..<300 where helper == nil {
            helper = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if helper == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let started = try #require(helper, "sh wrote no helper's number within 30 s")
        defer { kill(started, SIGKILL) }
        do {
            _ = try await child.wait(limit: .seconds(1))
            Issue.record("a run of 60 s returned within a limit of 1 s")
        } catch let failure as ChildProgram.Failure {
            #expect(failure.timedOut)
            #expect(failure.description.contains("/bin/sh was still running after 1"), "\(failure)")
        }
        #expect(!child.isRunning)
        #expect(try await Self.ends(started))
    }

    /// A child left running (a server under test): told apart from one that exited before it is reaped, signalled,
    /// waited for, its status kept; once reaped, a signal through it goes nowhere (its number may be another's).
    @Test func aChildLeftRunningIsSignalledAndWaitedFor() async throws {
        let child = try ChildProgram.start("/bin/sh", ["-c", "exec sleep 60"])
        #expect(child.isRunning)
        child.signal(SIGTERM)
        #expect(try await child.wait(limit: .seconds(30)) == 128 + SIGTERM)
        #expect(!child.isRunning)
        child.signal(SIGKILL)
        child.end()
        #expect(try await child.wait() == 128 + SIGTERM, "the status is the first one, kept")

        let quick = try ChildProgram.start("/bin/sh", ["-c", "exit 4"])
        for _ in 0..<300 where quick.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!quick.isRunning, "an exited child not yet reaped is not running")
        #expect(try await quick.wait() == 4)

        let stuck = try ChildProgram.start("/bin/sh", ["-c", "sleep 60 & wait"])
        stuck.end()
        #expect(!stuck.isRunning)
        #expect(try await stuck.wait() == 128 + SIGKILL)
    }

    @Test func aProgramThatCannotStartIsNamed() async throws {
        do {
            _ = try await ChildProgram.run("/nonexistent/kinerja-tool", [])
            Issue.record("a missing program started")
        } catch let failure as ChildProgram.Failure {
            #expect(!failure.timedOut)
            #expect(failure.description.contains("/nonexistent/kinerja-tool"), "\(failure)")
        }
    }
}
