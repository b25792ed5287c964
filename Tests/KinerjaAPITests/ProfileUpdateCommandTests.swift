import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// `kinerja-admin tenant update-profile`, the real binary: a city whose stored profile predates a key takes its
/// adapter's profile as this release has it; a dry run names the change and writes nothing; the version goes up
/// once, the audit log keeps the profile replaced, the same profile again changes nothing; a bad file is refused
/// with its key and value and changes nothing; an offboarded city keeps its profile; the application role cannot
/// call the platform function at all.
@Suite struct ProfileUpdateCommandTests {
    @Test func cityHRUpdatesAProfileAndEveryVersionStaysOnRecord() async throws {
        let admin = try await TestDatabase.admin()
        // Pematangsiantar as it was stored before the city's zone existed: no timeZone, read as WITA.
        var old = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        old.timeZone = nil
        let code = "t-prof-\(UUID().uuidString.prefix(8).lowercased())"
        let city = try await admin.platform.onboard(code: code, name: "Kota Profil", adapter: "pematangsiantar", profile: old, actor: "tests")
        // Another city, onboarded the same way: nothing done to this one reaches it.
        let neighbour = try await admin.platform.onboard(code: code + "-b", name: "Kota Tetangga", adapter: "pematangsiantar", profile: old, actor: "tests")
        func stored() async throws -> (version: Int, zone: String?) {
            let t = try await admin.platform.requireTenant(code: code)
            return (t.profileVersion, try await admin.platform.profile(of: city.id).timeZone)
        }
        // A dashboard computed under the old profile: it goes with the update.
        try await admin.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "tests")
            _ = try await tx.refreshDashboard(year: 2026, period: .year, profile: old)
        }
        func snapshots() async throws -> Int {
            try await admin.withTenant(city.id) { tx in
                try await tx.query("select count(*)::int from dashboard_snapshots where tenant_id = \(city.id.uuid)").collect()
                    .first!.decode(Int.self)
            }
        }
        #expect(try await snapshots() == 1)

        let dry = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--adapter", "--dry-run"])
        #expect(dry.status == 0 && dry.err.contains("would change timeZone (version 1 to 2); nothing written"), "\(dry.err)")
        #expect(try await stored() == (1, nil))
        #expect(try await snapshots() == 1, "a dry run writes nothing")

        let done = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--adapter"])
        #expect(done.status == 0 && done.err.contains("profile version 1 to 2; changed: timeZone"), "\(done.err)")
        #expect(try await stored() == (2, "Asia/Jakarta"))
        #expect(try await snapshots() == 0, "the dashboard computed under version 1 is gone")
        let entries = try await admin.withTenant(city.id) { tx in
            try await tx.query("select detail->>'changed', detail->>'from_version', detail->>'to_version', detail->>'previous_profile' from audit_log where tenant_id = \(city.id.uuid) and action = 'tenant.profile_update'")
                .collect().map { try $0.decode((String, String, String, String).self) }
        }
        #expect(entries.count == 1)
        #expect(entries.first?.0 == "timeZone" && entries.first?.1 == "1" && entries.first?.2 == "2")
        let previous = try JSONDecoder().decode(TenantProfile.self, from: Data(try #require(entries.first?.3).utf8))
        #expect(previous == old, "the replaced profile is kept whole")

        let again = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--adapter"])
        #expect(again.status == 0 && again.err.contains("unchanged (version 2)"), "\(again.err)")
        #expect(try await stored() == (2, "Asia/Jakarta"))

        // A file with a zone outside Indonesia: refused, key and value named, nothing changed.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.yaml")
        try "name: Kota Profil\ntimeZone: Europe/London\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--profile", bad.path])
        #expect(refused.status != 0 && refused.err.contains("timeZone") && refused.err.contains("Europe/London"), "\(refused.err)")
        #expect(try await stored() == (2, "Asia/Jakarta"))

        // A file: validated, merged over the national default, applied; the change named. Without the city's
        // monthly cadence it would bring the national quarters while 2026, opened by months, is open: refused.
        let file = folder.appendingPathComponent("wita.yaml")
        try "name: Kota Profil\ntimeZone: Asia/Makassar\n".write(to: file, atomically: true, encoding: .utf8)
        let quarters = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--profile", file.path])
        #expect(quarters.status != 0 && quarters.err.contains("periods.cadence 'quarterly': 2026 was opened by monthly periods"), "\(quarters.err)")
        #expect(try await stored() == (2, "Asia/Jakarta"))
        try "name: Kota Profil\ntimeZone: Asia/Makassar\nperiods: {cadence: monthly}\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--profile", file.path])
        #expect(fromFile.status == 0 && fromFile.err.contains("profile version 2 to 3; changed:") && fromFile.err.contains("timeZone"), "\(fromFile.err)")
        #expect(try await stored() == (3, "Asia/Makassar"))

        // No such city: named.
        let unknown = try await ReportCommandTests.admin(["tenant", "update-profile", "tidak-ada", "--adapter"])
        #expect(unknown.status != 0 && unknown.err.contains("tidak-ada"), "\(unknown.err)")

        // Neither or both sources: a usage error that says so.
        let neither = try await ReportCommandTests.admin(["tenant", "update-profile", code])
        #expect(neither.status != 0 && neither.err.contains("exactly one of --adapter or --profile"), "\(neither.err)")

        // The application role (the server's) cannot call it.
        do {
            try await TestDatabase.app().statement("select * from platform_update_profile(\(code), '{}'::jsonb, 'x', false)") { rows in
                for try await _ in rows {}
            }
            Issue.record("the application role called platform_update_profile")
        } catch {
            #expect(StoreError.sqlState(error) == "42501", "\(String(reflecting: error))")
        }
        #expect(try await stored() == (3, "Asia/Makassar"))

        // The other city kept its profile and version, and its audit log has no update of this one.
        #expect(try await admin.platform.requireTenant(code: neighbour.code).profileVersion == 1)
        #expect(try await admin.platform.profile(of: neighbour.id) == old)
        let leaked = try await admin.withTenant(neighbour.id) { tx in
            try await tx.query("select count(*)::int from audit_log where tenant_id = \(neighbour.id.uuid) and action = 'tenant.profile_update'")
                .collect().first!.decode(Int.self)
        }
        #expect(leaked == 0)

        // Another cadence while a year opened by the old one is open: refused, dry run too, naming the year.
        var other = try await admin.platform.profile(of: city.id)
        #expect(other.periods.cadence == .monthly)
        other.periods.cadence = .quarterly
        for dry in [false, true] {
            await #expect(throws: StoreError.state("periods.cadence 'quarterly': 2026 was opened by monthly periods and is still open; keep 'monthly' until it is closed ('kinerja-admin period close'), then change it")) {
                _ = try await admin.platform.updateProfile(code: code, profile: other, actor: "tests", dryRun: dry)
            }
        }
        #expect(try await stored() == (3, "Asia/Makassar"))

        // Offboarded: read-only, its profile included.
        _ = try await admin.platform.offboard(code: code, actor: "tests")
        await #expect(throws: StoreError.self) {
            _ = try await admin.platform.updateProfile(code: code, profile: old, actor: "tests")
        }
        for dry in [false, true] {
            let closed = try await ReportCommandTests.admin(["tenant", "update-profile", code, "--adapter"] + (dry ? ["--dry-run"] : []))
            #expect(closed.status != 0 && closed.err.contains("is offboarded"), "dry run \(dry): \(closed.err)")
        }
        #expect(try await stored() == (3, "Asia/Makassar"))
    }
}
