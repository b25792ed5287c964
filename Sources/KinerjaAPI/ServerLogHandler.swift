public import Logging

/// The server's log lines, exactly as swift-log's `StreamLogHandler` writes them. That handler formats its
/// whole metadata again at every change, and a request makes three (its id, then its city and key), whether
/// or not it writes a line: about 6% of a `/v1` request's CPU at the production level (warning), where no
/// line is written. This one keeps the metadata as set and has it formatted only for a line it writes.
public struct ServerLogHandler: LogHandler {
    var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(_ stream: StreamLogHandler) { self.stream = stream }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The stream handler's order: this handler's metadata, then the provider's, then the line's own.
    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            var merged = metadata
            if let provided = stream.metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
            if let own = event.metadata { merged.merge(own) { $1 } }
            event.metadata = merged
        }
        stream.log(event: event)
    }
}
