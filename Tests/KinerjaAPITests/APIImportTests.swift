import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import Testing

@Suite struct APIImportTests {
    static let file = """
        NAMA,NIP,JENIS JABATAN,NAMA JABATAN,ESELON,NAMA UNOR,UNOR INDUK\r
        Andi,198001012005011001,Struktural,Kepala Dinas,II.b,Dinas Sosial,Dinas Sosial\r
        Siti,198502022010012001,Pelaksana,Pengadministrasi Umum,,Dinas Sosial,Dinas Sosial\r

        """

    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, token: String) async throws -> Reply {
        try await client.execute(uri: uri, method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"],
                                 body: ByteBuffer(string: body)) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }

    @Test func importsDryRunRejectsAndRespectsRolesAndCities() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("api-imp-a")
        let (b, popB) = try await TestDatabase.city("api-imp-b")
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let integrator = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "", employeeNIP: nil, actor: "t").token
        let pegawai = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: popA.people[5].nip, actor: "t").token

        try await withAPI { client in
            let dry = try await post(client, "/v1/imports/employees?dryRun=true", Self.file, token: hr)
            #expect(dry.status == .ok && dry.json["new"] as? Int == 2 && dry.json["dryRun"] as? Bool == true)
            #expect(try await db.withTenant(a.id) { try await $0.employee(nip: "198001012005011001") } == nil)

            let done = try await post(client, "/v1/imports/employees", Self.file, token: integrator)
            #expect(done.status == .ok && done.json["new"] as? Int == 2 && done.json["unitsNew"] as? Int == 1)
            let siti = try await db.withTenant(a.id) { try await $0.employee(nip: "198502022010012001") }
            #expect(siti?.atasanNIP == "198001012005011001")

            let bad = Self.file.replacingOccurrences(of: "198502022010012001", with: "198502022010012000")
            let rejected = try await post(client, "/v1/imports/employees", bad, token: hr)
            #expect(rejected.status == .unprocessableContent && rejected.code == "import_rejected")
            let errors = rejected.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["line"] as? Int == 3 && errors.first?["column"] as? String == "NIP")
            #expect((errors.first?["reason"] as? String)?.contains("sequence") == true)

            let denied = try await post(client, "/v1/imports/employees", Self.file, token: pegawai)
            #expect(denied.status == .forbidden && denied.code == "forbidden")
        }
        // City B saw none of it.
        #expect(try await db.withTenant(b.id) { try await $0.employeeCount() } == popB.people.count)
        #expect(try await db.withTenant(b.id) { try await $0.employee(nip: "198001012005011001") } == nil)
    }
}
