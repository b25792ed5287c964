public import Foundation
import PostgresNIO

/// An OPD or a unit below it (bidang, seksi, UPT, school, puskesmas, kecamatan, kelurahan).
public struct OrgUnit: Sendable, Equatable, Codable {
    public var id: UUID
    public var parentID: UUID?
    public var code: String
    public var name: String
    public var kind: String
    public var employeeCount: Int
}

extension TenantTransaction {
    /// Every unit of the city, parents before children, siblings by code.
    public func orgUnits() async throws -> [OrgUnit] {
        let rows = try await query("""
            with recursive tree as (
                select unit_id, parent_id, code, name, kind, array[code] as path
                from org_units where tenant_id = \(tenant.uuid) and parent_id is null
                union all
                select u.unit_id, u.parent_id, u.code, u.name, u.kind, t.path || u.code
                from org_units u join tree t on u.parent_id = t.unit_id
                where u.tenant_id = \(tenant.uuid)
            )
            select t.unit_id, t.parent_id, t.code, t.name, t.kind,
                   (select count(*) from employees e where e.tenant_id = \(tenant.uuid) and e.unit_id = t.unit_id)
            from tree t order by t.path
            """)
        var out: [OrgUnit] = []
        for try await (id, parent, code, name, kind, count) in rows.decode((UUID, UUID?, String, String, String, Int).self) {
            out.append(OrgUnit(id: id, parentID: parent, code: code, name: name, kind: kind, employeeCount: count))
        }
        return out
    }

    public func orgUnit(code: String) async throws -> OrgUnit? {
        try await orgUnits().first { $0.code == code }
    }

    /// The names and codes of a unit and of every unit above it, nearest first.
    public func unitPath(code: String) async throws -> [String] {
        let rows = try await query("""
            with recursive up as (
                select unit_id, parent_id, code, name, 0 as depth from org_units where tenant_id = \(tenant.uuid) and code = \(code)
                union all
                select u.unit_id, u.parent_id, u.code, u.name, up.depth + 1 from org_units u join up on u.unit_id = up.parent_id
                where u.tenant_id = \(tenant.uuid) and up.depth < 50
            )
            select code, name from up order by depth
            """)
        var out: [String] = []
        for try await (c, n) in rows.decode((String, String).self) { out += [n, c] }
        return out
    }
}
