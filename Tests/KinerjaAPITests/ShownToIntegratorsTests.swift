import Foundation
@testable import KinerjaAPI
import KinerjaStore
import Testing

/// What a key that reads no assessments (an integrator not granted `siasn`) is shown of a plan: a plan the
/// atasan returned, or one submitted and not yet decided, reads as a draft in the cascade, at every depth, as it
/// does on the SKP itself (APIFeedbackTests.anIntegratorKeyReadsThePlanWithoutTheAssessment).
@Suite struct ShownToIntegratorsTests {
    typealias Node = Components.Schemas.CascadeNode

    static func key(_ role: Role, _ scopes: [String]) -> Principal {
        Principal(keyID: UUID(), keyPrefix: "kin_test", role: role, label: "t", employeeNIP: nil, tenant: nil, tenantCode: "c",
                  grants: ["c"], scopes: scopes)
    }

    @Test(arguments: [
        (Role.integrator, [String](), false), (.integrator, ["attendance"], false), (.integrator, ["realisasi"], false),
        (.integrator, ["siasn"], true), (.hrAdmin, [], true), (.atasan, [], true),
    ])
    func aPlanNotInForceInTheCascade(role: Role, scopes: [String], readsAssessments: Bool) {
        func node(_ nip: String, _ status: Node.StatusPayload, _ children: [Node] = []) -> Node {
            Node(nip: nip, name: nip, jabatanName: "j", revision: 1, status: status, rhk: .init(kind: .utama, text: "r", iki: []), children: children)
        }
        let tree = node("kepala", .approved, [node("kabid", .returned, [node("kasi", .approved, [node("staff", .returned)])]),
                                             node("kabid2", .submitted)])
        func statuses(_ n: Node) -> [String] { [n.status.rawValue] + n.children.flatMap(statuses) }
        let shown = KinerjaService.shown(tree, to: Self.key(role, scopes))
        #expect(statuses(shown) == (readsAssessments ? ["approved", "returned", "approved", "returned", "submitted"]
                                                      : ["approved", "draft", "approved", "draft", "draft"]))
    }
}
