public import Foundation
public import KinerjaCore
import PostgresNIO

/// A report being made in the background (``TenantTransaction/createReportJob``).
public struct ReportJobRecord: Sendable, Equatable {
    public var id: UUID
    public var report: String
    public var format: String
    public var status: String
    public var done: Int
    public var total: Int
    public var error: String?
    public var filePath: String?
    public var server: UUID
    public var keyID: UUID
    /// The request it was made for (the body of `POST /v1/reports/{name}`), as JSON.
    public var request: String = "{}"
    /// The scope it was made for, as the caller's grants narrowed the request; nil for a job made before it was kept.
    public var scope: ReportScope?
}

extension TenantTransaction {
    public func createReportJob(id: UUID, report: String, format: String, request: String, total: Int, server: UUID,
                                keyID: UUID, scope: ReportScope) async throws {
        let scope = String(decoding: try JSONEncoder().encode(scope), as: UTF8.self)
        try await query("""
            insert into report_jobs (tenant_id, job_id, report, format, request, total, server, key_id, scope)
            values (\(tenant.uuid), \(id), \(report), \(format), \(request)::jsonb, \(total), \(server), \(keyID), \(scope)::jsonb)
            """)
    }

    /// Records a job's progress or its end. An ended job (done, failed) stays ended, and progress only grows:
    /// progress reports run as tasks of their own and may arrive after the last of them, or after the end.
    public func updateReportJob(id: UUID, status: String, done: Int, error: String? = nil, filePath: String? = nil) async throws {
        try await query("""
            update report_jobs set status = \(status),
                   done = case when \(status) = 'running' then greatest(done, \(done)) else \(done) end,
                   error = \(error), file_path = coalesce(\(filePath), file_path),
                   finished_at = case when \(status) in ('done', 'failed') then now() end
            where tenant_id = \(tenant.uuid) and job_id = \(id) and status not in ('done', 'failed')
            """)
    }

    public func reportJob(id: UUID) async throws -> ReportJobRecord? {
        for try await r in try await query("""
            select job_id, report, format, status, done, total, error, file_path, server, key_id, request::text, scope::text
            from report_jobs where tenant_id = \(tenant.uuid) and job_id = \(id)
            """).decode((UUID, String, String, String, Int, Int, String?, String?, UUID, UUID, String, String?).self) {
            return ReportJobRecord(id: r.0, report: r.1, format: r.2, status: r.3, done: r.4, total: r.5, error: r.6, filePath: r.7,
                                   server: r.8, keyID: r.9, request: r.10,
                                   scope: r.11.flatMap { try? JSONDecoder().decode(ReportScope.self, from: Data($0.utf8)) })
        }
        return nil
    }
}
