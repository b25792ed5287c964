import Glibc

/// A TCP socket of this process on 127.0.0.1, for tests that need a port something holds: `listening()` takes
/// connections into its backlog and never answers them (a database host gone quiet); `connected(to:)` is the
/// local end of a connection, a port nothing listens on. Closed by `close()`.
public struct LoopbackSocket: Sendable {
    public let descriptor: Int32

    /// A socket listening on a port the system picks.
    public static func listening() -> LoopbackSocket? {
        let s = LoopbackSocket(descriptor: socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
        var any = address(0)
        let bound = withUnsafePointer(to: &any) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard s.descriptor >= 0, bound == 0, listen(s.descriptor, 8) == 0 else { s.close(); return nil }
        return s
    }

    /// A socket connected to `port` on 127.0.0.1.
    public static func connected(to port: Int) -> LoopbackSocket? {
        let s = LoopbackSocket(descriptor: socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
        var server = address(port)
        let connected = withUnsafePointer(to: &server) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard s.descriptor >= 0, connected == 0 else { s.close(); return nil }
        return s
    }

    /// The port of this end of the socket.
    public var port: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() { _ = Glibc.close(descriptor) }

    static func address(_ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }
}
