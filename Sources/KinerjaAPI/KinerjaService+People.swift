import Foundation
import HTTPTypes
import KinerjaCore
import KinerjaStore
import OpenAPIRuntime

extension KinerjaService {
    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        do {
            return try await checkLogin(input)
        } catch is PasswordChecks.Busy {
            throw APIProblem.loginBusy
        }
    }

    private func checkLogin(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the login as JSON: city, nip, password") }
        guard body.nip.count == 18, body.nip.allSatisfy(\.isASCII), body.nip.allSatisfy(\.isNumber) else {
            throw APIProblem.invalid("nip '\(body.nip)' is not 18 digits")
        }
        guard body.password.utf8.count <= 1024 else { throw APIProblem.invalid("the password is longer than 1,024 bytes") }
        // Regional BKN staff belong to no city: they leave it out.
        guard let city = body.city else {
            switch try await database.platform.regionalLogin(nip: body.nip, password: body.password, policy: people.policy) {
            case .session(let token, let cities, let expiresAt):
                return .created(.init(body: .json(.init(token: token, role: .bknAdmin, nip: body.nip, cities: cities, expiresAt: expiresAt))))
            case .invalid: throw APIProblem.invalidCredentials
            case .locked(let until): throw APIProblem.accountLocked(until: until)
            case .noCity: throw APIProblem.noCityGranted(body.nip)
            }
        }
        let outcome = try await database.platform.login(city: city, nip: body.nip, password: body.password, policy: people.policy)
        switch outcome {
        case .session(let token, let role, let expiresAt):
            return .created(.init(body: .json(.init(token: token, role: .init(rawValue: role.rawValue) ?? .pegawai, nip: body.nip,
                                                    city: city, cities: [city], expiresAt: expiresAt))))
        case .invalid:
            throw APIProblem.invalidCredentials
        case .locked(let until):
            throw APIProblem.accountLocked(until: until)
        case .cityUnavailable(let code, let status):
            throw status == .offboarded ? APIProblem.tenantReadOnly(code) : APIProblem.tenantSuspended(code)
        }
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        let p = try RequestState.principal()
        let ended: Bool
        if p.role == .bknAdmin {
            // A regional session covers several cities: it ends in all of them, whichever one this request named.
            ended = try await database.platform.endRegionalSession(keyID: p.keyID)
        } else {
            let city = try p.city()
            ended = try await database.withTenant(city) { try await $0.endSession(keyID: p.keyID, actor: "session:\(p.keyPrefix)") }
        }
        guard ended else {
            throw APIProblem(.badRequest, code: "not_a_session", id: "Bukan sesi login", en: "Not a login session",
                             detail: "this credential is an API key, not a session: revoke it with 'kinerja-admin apikey revoke'")
        }
        people.keys.forget(keyID: p.keyID)
        return .noContent(.init())
    }
}

/// What the people endpoints share with the rest of the server: the login rules and the credential cache, so
/// that a logout takes effect at once rather than when the cached look-up expires.
struct PeopleSettings: Sendable {
    var policy: LoginPolicy
    let keys: KeyCache
    init(policy: LoginPolicy = LoginPolicy(), keys: KeyCache) {
        self.policy = policy
        self.keys = keys
    }
}

extension APIProblem {
    static let invalidCredentials = APIProblem(.unauthorized, code: "invalid_credentials", id: "NIP atau kata sandi salah",
                                               en: "Wrong NIP or password",
                                               detail: "the city, NIP or password is wrong; after repeated failures the login is locked for a while")
    static func accountLocked(until: Date) -> APIProblem {
        let seconds = max(1, Int(until.timeIntervalSinceNow.rounded(.up)))
        var p = APIProblem(.init(code: 423), code: "account_locked", id: "Login dikunci sementara", en: "Login temporarily locked",
                           detail: "too many failed logins in a row: try again after \(ISO8601DateFormatter().string(from: until)) "
                               + "(\(seconds) s), or ask the city's HR (BKPSDM) to reset the password")
        p.retryAfter = seconds
        return p
    }
    static func noCityGranted(_ nip: String) -> APIProblem {
        APIProblem(.forbidden, code: "no_city_granted", id: "Tidak ada kota yang diberikan", en: "No city granted",
                   detail: "\(nip) may log in but no city is granted to them: ask the platform's administrator "
                       + "(kinerja-admin regional grant --nip \(nip) --city CODE)")
    }
    static let sessionExpired = APIProblem(.unauthorized, code: "session_expired", id: "Sesi telah berakhir", en: "The session has expired",
                                           detail: "log in again (POST /v1/sessions)")
}

extension KinerjaService {
    /// The regional view: each city of the bkn_admin key's grant, counts only, each read inside that city.
    func getRegionSummary(_ input: Operations.GetRegionSummary.Input) async throws -> Operations.GetRegionSummary.Output {
        let p = try RequestState.principal()
        guard p.role == .bknAdmin else {
            throw APIProblem.forbidden("the regional summary is for bkn_admin keys; this key is \(p.role.rawValue)")
        }
        let year = try Self.parseYear(input.query.year)
        // A page of the grant's cities by code; only those are summed up.
        let (codes, next) = try Pagination.page(p.grants.sorted().filter { p.grantTenants[$0] != nil }, key: { $0 },
                                                cursor: input.query.cursor, limit: input.query.limit)
        var items: [Components.Schemas.RegionSummary.ItemsPayloadPayload] = []
        for code in codes {
            guard let city = p.grantTenants[code] else { continue }
            let s = try await withReadTenant(city) { try await $0.citySummary(year: year) }
            guard let status = Components.Schemas.RegionSummary.ItemsPayloadPayload.StatusPayload(rawValue: s.status) else {
                // The table's check allows these three and `purged`, whose keys went with its data: any other is a
                // fault, logged and answered 500.
                throw UnknownCityStatus(city: code, status: s.status)
            }
            items.append(.init(city: code, name: s.name, status: status, employees: s.employees,
                               activeEmployees: s.activeEmployees, approvedSKPs: s.approvedSKPs, period: s.period,
                               reported: s.reported, evaluated: s.evaluated, confirmed: s.confirmed, final: s.final))
        }
        return .ok(.init(body: .json(.init(year: year, nextCursor: next, items: items))))
    }
}

/// A city's status the contract does not list.
struct UnknownCityStatus: Error, CustomStringConvertible {
    var city: String
    var status: String
    var description: String { "city \(city) has the status '\(status)', which openapi.yaml does not list" }
}
