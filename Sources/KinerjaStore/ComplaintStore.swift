public import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Imports complaints from an SP4N-LAPOR!-style CSV, all or nothing: a tracking id seen before is updated
    /// (its later steps recorded), one new is added. Every OPD code and officer NIP must be this city's.
    public func importComplaints(actor: String, next: () async throws -> [UInt8]?) async throws -> SmallImportSummary {
        var (rows, errors) = try await readAll(next, header: Complaints.header, row: Complaints.row)
        var first: [String: Int] = [:]
        for (line, c) in rows {
            if let earlier = first[c.trackingID] {
                errors.append(RowError(line: line, column: "NOMOR TIKET", value: c.trackingID, reason: "already on line \(earlier)"))
            } else { first[c.trackingID] = line }
        }
        errors += try await unknownNIPs(rows.compactMap { r in r.value.officerNIP.map { (r.line, $0) } })
            .map { RowError(line: $0.line, column: "NIP PETUGAS", value: $0.value, reason: $0.reason) }
        let opds = Set(try await orgUnits().filter { $0.parentID == nil }.map(\.code))
        for (line, c) in rows { if let o = c.opd, !opds.contains(o) { errors.append(RowError(line: line, column: "OPD", value: o, reason: "not an OPD of this city")) } }
        guard errors.isEmpty else { throw rejectAll(errors) }
        var summary = SmallImportSummary(rows: rows.count)
        (summary.new, summary.changed) = try await upsertComplaints(rows.map(\.value), actor: actor)
        try await audit(actor: actor, action: "complaints.import", subject: "",
                        detail: ["rows": String(summary.rows), "new": String(summary.new), "changed": String(summary.changed)])
        return summary
    }

    /// Adds new tickets and records the later steps of known ones; returns how many were added and changed.
    @discardableResult
    func upsertComplaints(_ all: [Complaints.Complaint], actor: String) async throws -> (new: Int, changed: Int) {
        var new = 0, changed = 0
        for start in stride(from: 0, to: all.count, by: 20_000) {
            let c = all[start..<min(start + 20_000, all.count)]
            func day(_ d: CivilDate?) -> String { d?.description ?? "" }
            let result = try await query("""
                insert into complaints (tenant_id, tracking_id, received_on, opd_code, officer_nip, routed_on, followed_up_on, closed_on, subject, updated_by)
                select \(tenant.uuid), t, r::date, nullif(o, ''), nullif(n, ''), nullif(ro, '')::date, nullif(f, '')::date, nullif(cl, '')::date, s, \(actor)
                from unnest(\(c.map(\.trackingID))::text[], \(c.map { day($0.received) })::text[], \(c.map { $0.opd ?? "" })::text[],
                            \(c.map { $0.officerNIP ?? "" })::text[], \(c.map { day($0.routed) })::text[], \(c.map { day($0.followedUp) })::text[],
                            \(c.map { day($0.closed) })::text[], \(c.map(\.subject))::text[]) as x(t, r, o, n, ro, f, cl, s)
                on conflict (tenant_id, tracking_id) do update set
                    received_on = excluded.received_on, opd_code = excluded.opd_code, officer_nip = excluded.officer_nip,
                    routed_on = excluded.routed_on, followed_up_on = excluded.followed_up_on, closed_on = excluded.closed_on,
                    subject = excluded.subject, updated_by = excluded.updated_by, updated_at = now()
                where (complaints.received_on, complaints.opd_code, complaints.officer_nip, complaints.routed_on, complaints.followed_up_on,
                       complaints.closed_on, complaints.subject) is distinct from
                      (excluded.received_on, excluded.opd_code, excluded.officer_nip, excluded.routed_on, excluded.followed_up_on,
                       excluded.closed_on, excluded.subject)
                returning (xmax = 0)
                """)
            for try await inserted in result.decode(Bool.self) { if inserted { new += 1 } else { changed += 1 } }
        }
        return (new, changed)
    }

    /// Complaints received from `from` up to `until` (both included).
    public func complaints(from: CivilDate, until: CivilDate, opd: String? = nil) async throws -> [Complaints.Complaint] {
        var out: [Complaints.Complaint] = []
        for try await r in try await query("""
            select tracking_id, received_on::text, opd_code, officer_nip::text, routed_on::text, followed_up_on::text, closed_on::text, subject
            from complaints where tenant_id = \(tenant.uuid) and received_on between \(from.description)::date and \(until.description)::date
              and (\(opd)::text is null or opd_code = \(opd))
            order by received_on, tracking_id
            """).decode((String, String, String?, String?, String?, String?, String?, String).self) {
            out.append(.init(trackingID: r.0, received: CivilDate(iso: r.1)!, opd: r.2, officerNIP: r.3, routed: r.4.flatMap { CivilDate(iso: $0) },
                             followedUp: r.5.flatMap { CivilDate(iso: $0) }, closed: r.6.flatMap { CivilDate(iso: $0) }, subject: r.7))
        }
        return out
    }

    /// Responsiveness per OPD and per officer for the complaints received in the scope's period, as on `asOf`
    /// (the period's end, or today while it runs).
    public func complaintRows(_ s: ReportScope, profile: TenantProfile, asOf: CivilDate) async throws -> [ReportRow] {
        let period = try s.sub()
        guard let p = try await periods(year: s.year).first(where: { $0.period.kind == period.kind && $0.period.sequence == period.sequence }) else {
            throw StoreError.notFound(what: "period", key: "\(s.year) \(period)")
        }
        let list = try await complaints(from: p.period.startsOn, until: p.period.endsOn, opd: s.opd)
        let rules = profile.complaintRulesOrDefault
        let until = min(asOf, p.period.endsOn)
        let names = try await employeeNames(Array(Set(list.compactMap(\.officerNIP))))
        func row(_ r: Complaints.Responsiveness, opd: String, officer: String?) -> ReportRow {
            ["opd": .text(opd), "petugas": ReportValue(officer), "nama": ReportValue(officer.flatMap { names[$0] }),
             "pengaduan": .integer(r.complaints), "diteruskanTepatWaktu": .integer(r.routedOnTime),
             "ditindaklanjutiTepatWaktu": .integer(r.followedUpOnTime), "persenTepatWaktu": ReportValue(r.percentOnTime),
             "rataRataHariKerja": ReportValue(r.meanFollowUpDays), "terlambat": .integer(r.overdue)]
        }
        var out: [ReportRow] = []
        for o in Complaints.responsiveness(list, rules: rules, asOf: until, by: { $0.opd ?? "(belum diteruskan)" }) {
            out.append(row(o, opd: o.key, officer: nil))
            for officer in Complaints.responsiveness(list.filter { ($0.opd ?? "(belum diteruskan)") == o.key }, rules: rules, asOf: until,
                                                       by: { $0.officerNIP }) {
                out.append(row(officer, opd: o.key, officer: officer.key))
            }
        }
        return out
    }

    func employeeNames(_ nips: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for try await (n, name) in try await query("select nip::text, name from employees where tenant_id = \(tenant.uuid) and nip = any(\(nips)::text[])")
            .decode((String, String).self) { out[n] = name }
        return out
    }
}
