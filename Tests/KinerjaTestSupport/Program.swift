public import Foundation

/// Runs a program to its exit without holding a thread of the concurrency pool: the tests share two on a
/// two-core machine, and a test that waited synchronously for a program that waits on the database (a lock
/// another test holds) could take both, leaving no thread for the transaction that would free the lock.
/// Output goes to files, so a full pipe never stops the program. `merged`: stderr into `out` as well.
public func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       directory: URL? = nil, merged: Bool = false) async throws -> (status: Int32, out: String, err: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-program-\(UUID().uuidString)")
    let outFile = base.appendingPathExtension("out"), errFile = base.appendingPathExtension("err")
    FileManager.default.createFile(atPath: outFile.path, contents: nil)
    FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
    let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let directory { p.currentDirectoryURL = directory }
    p.standardOutput = out
    p.standardError = merged ? out : err
    let status: Int32 = try await withCheckedThrowingContinuation { done in
        p.terminationHandler = { done.resume(returning: $0.terminationStatus) }
        do { try p.run() } catch {
            p.terminationHandler = nil
            done.resume(throwing: error)
        }
    }
    try? out.close()
    try? err.close()
    return (status, (try? String(contentsOf: outFile, encoding: .utf8)) ?? "", (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
}
