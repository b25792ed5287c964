import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// A report job's record: its progress reports are tasks of their own, so one may arrive after the job ended.
@Suite struct ReportJobTests {
    @Test func anEndedJobStaysEndedAndProgressOnlyGrows() async throws {
        let db = try await TestDatabase.app()
        let (city, _) = try await TestDatabase.city("report-job", employees: 50)
        let id = UUID()
        try await db.withTenant(city.id) { tx in
            try await tx.createReportJob(id: id, report: "dokumen-evaluasi", format: "json", request: "{}", total: 150,
                                         server: UUID(), keyID: UUID(), scope: ReportScope(year: 2026, period: "Y"))
            try await tx.updateReportJob(id: id, status: "running", done: 120)
            try await tx.updateReportJob(id: id, status: "running", done: 80)     // a late report of earlier progress
        }
        #expect(try await db.withTenant(city.id) { try await $0.reportJob(id: id) }?.done == 120)
        try await db.withTenant(city.id) { tx in
            try await tx.updateReportJob(id: id, status: "done", done: 150, filePath: "/tmp/x.json")
            try await tx.updateReportJob(id: id, status: "running", done: 150)    // arrives after the end
        }
        let job = try #require(try await db.withTenant(city.id) { try await $0.reportJob(id: id) })
        #expect(job.status == "done" && job.done == 150 && job.filePath == "/tmp/x.json")
    }
}
