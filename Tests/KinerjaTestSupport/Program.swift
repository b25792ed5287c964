public import Foundation
import KinerjaCore

/// Runs a program to its exit without holding a thread of the concurrency pool: the tests share two on a
/// two-core machine, and a test that waited synchronously for a program that waits on the database (a lock
/// another test holds) could take both, leaving no thread for the transaction that would free the lock.
/// Output goes to files, so a full pipe never stops the program. `merged`: stderr into `out` as well. `limit`
/// (default ten minutes, more than any program here takes): past it the program is killed and this throws, so a
/// program that hangs fails its test instead of stopping the whole suite.
/// Through `ChildProgram`, not Foundation's `Process`: a program that a test starts while another test starts a
/// database server must not be waited for until that server stops (see `ChildProgram`).
public func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       directory: URL? = nil, merged: Bool = false, limit: Duration? = .seconds(600)) async throws -> (status: Int32, out: String, err: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-program-\(UUID().uuidString)")
    let outFile = base.appendingPathExtension("out"), errFile = base.appendingPathExtension("err")
    defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
    let (program, args) = directory.map { ("/usr/bin/env", ["-C", $0.path, executable] + arguments) } ?? (executable, arguments)
    let status = try await ChildProgram.run(program, args, environment: environment, standardOutput: outFile.path,
                                            standardError: merged ? outFile.path : errFile.path, limit: limit)
    return (status, (try? String(contentsOf: outFile, encoding: .utf8)) ?? "", (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
}
