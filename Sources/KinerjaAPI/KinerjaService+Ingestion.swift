import Foundation
import KinerjaCore
import KinerjaStore

extension KinerjaService {
    /// Runs a batch in the caller's city: every item's result, and whether they were written (false: an
    /// all-or-nothing batch with a rejected item, of which nothing was written).
    func runBatch(_ p: Principal, _ work: (TenantTransaction) async throws -> [ItemResult]) async throws -> (results: [ItemResult], written: Bool) {
        do {
            return (try await database.withTenant(try p.city(), work), true)
        } catch let r as BatchRejected {
            return (r.results, false)
        }
    }

    static func batchResult(_ results: [ItemResult], written: Bool) -> Components.Schemas.BatchResult {
        let accepted = results.filter(\.accepted).count
        return .init(accepted: written ? accepted : 0, rejected: results.count - accepted, written: written,
                     items: results.map { .init(index: $0.index, status: $0.accepted ? .accepted : .rejected, reason: $0.reason) })
    }

    static func checkBatch(_ count: Int) throws {
        guard (1...TenantTransaction.batchLimit).contains(count) else {
            throw APIProblem.invalid("a batch holds 1 to \(TenantTransaction.batchLimit) items; this one has \(count)")
        }
    }

    func ingestAttendance(_ input: Operations.IngestAttendance.Input) async throws -> Operations.IngestAttendance.Output {
        let p = try RequestState.principal()
        try p.require(scope: "attendance")
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the batch as application/json") }
        try Self.checkBatch(body.events.count)
        let rows: [[String: String]] = body.events.map { e in
            ["NIP": e.nip, "TANGGAL": e.day, "JENIS": e.kind.rawValue, "MENIT": e.minutes.map(String.init) ?? "",
             "IZIN": e.excused == true ? "ya" : ""]
        }
        let (results, written) = try await runBatch(p) {
            try await $0.ingestAttendance(rows, allOrNothing: body.allOrNothing ?? false, actor: p.auditActor)
        }
        let answer = Self.batchResult(results, written: written)
        return written ? .ok(.init(body: .json(answer))) : .unprocessableContent(.init(body: .json(answer)))
    }

    /// The attendance events the city holds for a span of days, for reconciling a feed with it.
    func listAttendanceEvents(_ input: Operations.ListAttendanceEvents.Input) async throws -> Operations.ListAttendanceEvents.Output {
        let p = try RequestState.principal()
        try p.require(scope: "attendance")
        let q = input.query
        guard let from = CivilDate(iso: q.from) else { throw APIProblem.invalid("from '\(q.from)' is not a date: use YYYY-MM-DD") }
        guard let until = CivilDate(iso: q.until) else { throw APIProblem.invalid("until '\(q.until)' is not a date: use YYYY-MM-DD") }
        guard from <= until else { throw APIProblem.invalid("until \(until) is before from \(from)") }
        guard until.dayNumber - from.dayNumber < 366 else {
            throw APIProblem.invalid("from \(from) to \(until) is more than 366 days: ask for a year or less at a time")
        }
        let limit = try Pagination.limit(q.limit)
        let after = try q.cursor.map { text -> AttendanceCursor in
            guard let c = AttendanceCursor(text) else { throw APIProblem.invalid("cursor '\(text)' is not a cursor this API gave out") }
            return c
        }
        let nip = try q.nip.map(Self.parseNIP)
        let page = try await database.withTenant(try p.city()) {
            try await $0.attendanceEvents(from: from, until: until, nip: nip, after: after, limit: limit)
        }
        let items = page.events.map { e in
            Components.Schemas.AttendanceEvent(nip: e.nip, day: e.day.description, kind: .init(rawValue: e.kind.rawValue) ?? .terlambat,
                                               minutes: e.minutes, excused: e.excused, recordedBy: e.recordedBy, recordedAt: e.recordedAt)
        }
        let next = page.more ? page.events.last.map { AttendanceCursor(day: $0.day, nip: $0.nip, kind: $0.kind).text } : nil
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    func ingestComplaints(_ input: Operations.IngestComplaints.Input) async throws -> Operations.IngestComplaints.Output {
        let p = try RequestState.principal()
        try p.require(scope: "complaints")
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the batch as application/json") }
        try Self.checkBatch(body.complaints.count)
        let rows: [[String: String]] = body.complaints.map { c in
            ["NOMOR TIKET": c.trackingId, "TANGGAL DITERIMA": c.received, "OPD": c.routedTo?.opd ?? "",
             "NIP PETUGAS": c.routedTo?.officerNip ?? "", "TANGGAL DITERUSKAN": c.routedTo?.on ?? "",
             "TANGGAL TINDAK LANJUT": c.followedUp ?? "", "TANGGAL SELESAI": c.closed ?? "", "JUDUL": c.subject ?? ""]
        }
        var hook: [ComplaintHookResult] = []
        let (results, written) = try await runBatch(p) {
            let ingested = try await $0.ingestComplaints(rows, allOrNothing: body.allOrNothing ?? false, actor: p.auditActor)
            hook = ingested.hook
            return ingested.results
        }
        let answer = Self.batchResult(results, written: written)
        guard written else { return .unprocessableContent(.init(body: .json(answer))) }
        return .ok(.init(body: .json(.init(value1: answer, value2: .init(indicator: hook.map { h in
            .init(year: h.year, period: h.period.description, indicator: h.indicator, measured: h.measured, written: h.written,
                  unchanged: h.unchanged, withoutIndicator: h.withoutIndicator, withdrawn: h.withdrawn,
                  refused: h.refused.map { .init(nip: $0.nip, withdrawal: $0.withdrawal, reason: $0.reason) },
                  yearsWithoutHolidays: h.yearsWithoutHolidays.isEmpty ? nil : h.yearsWithoutHolidays)
        })))))
    }

    /// One complaint as stored, with its deadlines judged on the city's working days as of today there.
    func getComplaint(_ input: Operations.GetComplaint.Input) async throws -> Operations.GetComplaint.Output {
        let p = try RequestState.principal()
        try p.require(scope: "complaints")
        let id = input.path.trackingId
        let (found, profile) = try await database.withTenant(try p.city()) { tx in
            (try await tx.complaint(trackingID: id), try await tx.profile())
        }
        guard let c = found else { throw APIProblem.notFound("complaint '\(id)' not found") }
        let asOf = CivilDate.today(in: profile.timeZoneOrDefault)
        return .ok(.init(body: .json(Self.schema(c, rules: profile.complaintRulesOrDefault, asOf: asOf))))
    }

    static func schema(_ c: Complaints.Complaint, rules: TenantProfile.ComplaintRules, asOf: CivilDate) -> Components.Schemas.Complaint {
        let check = Complaints.check(c, rules: rules, asOf: asOf)
        // Routed once the day of routing is known: the deadlines count from it (an OPD alone starts nothing).
        let status: Components.Schemas.Complaint.StatusPayload =
            check.closed ? .closed : c.followedUp != nil ? .followedUp : c.routed != nil ? .routed : .received
        return .init(
            trackingId: c.trackingID, received: c.received.description,
            routedTo: c.opd.map { .init(opd: $0, officerNip: c.officerNIP, on: c.routed?.description) },
            followedUp: c.followedUp?.description, closed: c.closed?.description, subject: c.subject, status: status,
            asOf: asOf.description,
            deadlines: .init(
                routingDue: check.routingDue.description,
                routingWorkingDays: check.routingDays, routedOnTime: check.routedOnTime,
                followUpDue: check.followUpDue?.description, followUpWorkingDays: check.followUpDays,
                followedUpOnTime: check.followedUpOnTime, overdue: check.overdue,
                closesOn: check.closesOn?.description))
    }

    func ingestRealisasi(_ input: Operations.IngestRealisasi.Input) async throws -> Operations.IngestRealisasi.Output {
        let p = try RequestState.principal()
        try p.require(scope: "realisasi")
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the batch as application/json") }
        try Self.checkBatch(body.items.count)
        var items: [RealisasiItem] = []
        var early: [ItemResult] = []
        for (i, r) in body.items.enumerated() {
            guard let key = UUID(uuidString: r.ikiKey) else { early.append(.init(index: i, accepted: false, reason: "ikiKey '\(r.ikiKey)' is not a uuid")); continue }
            guard let period = SubPeriod(r.period), period.kind != .annual else {
                early.append(.init(index: i, accepted: false, reason: "period '\(r.period)' is not M1-M12 or Q1-Q4")); continue
            }
            items.append(RealisasiItem(nip: r.nip, year: r.year, ikiKey: key, period: period, value: r.value, narrative: r.narrative,
                                       evidence: (r.evidence ?? []).map { Evidence(url: $0.url, note: $0.note) }))
        }
        let positions = body.items.indices.filter { i in !early.contains { $0.index == i } }
        let all = body.allOrNothing ?? false
        if all, !early.isEmpty {
            let rest = positions.map { ItemResult(index: $0, accepted: true) }
            return .unprocessableContent(.init(body: .json(Self.batchResult((early + rest).sorted { $0.index < $1.index }, written: false))))
        }
        let actor = SKPActor.hr(p.auditActor)
        // One statement for the whole batch (no transaction of its own around it): one round trip.
        let (results, written): ([ItemResult], Bool)
        do {
            (results, written) = (try await database.ingestRealisasi(tenant: try p.city(), items, allOrNothing: all, actor: actor), true)
        } catch let r as BatchRejected {
            (results, written) = (r.results, false)
        }
        let mapped = zip(positions, results).map { ItemResult(index: $0, accepted: $1.accepted, reason: $1.reason) }
        let answer = Self.batchResult((early + mapped).sorted { $0.index < $1.index }, written: written)
        return written ? .ok(.init(body: .json(answer))) : .unprocessableContent(.init(body: .json(answer)))
    }
}
