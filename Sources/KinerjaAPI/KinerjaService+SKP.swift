import Foundation
import KinerjaCore
import KinerjaStore

/// SKP handlers: planning, cascading, the workflow, realisasi, feedback and proposals. Reads follow the
/// employee rules (pegawai: self; atasan: self and the chain below; hr_admin and integrator: the city; a
/// bkn_admin key reaches none of them, see AuthMiddleware). Writes are for the employee, the atasan and city HR; the store decides which of them may do what.
extension KinerjaService {
    typealias Schemas = Components.Schemas

    // MARK: access

    static func parseNIP(_ raw: String) throws -> String {
        do { return try NIP(raw, type: .pppk).digits } catch { throw APIProblem.invalid(error.description) }
    }

    static func parseYear(_ year: Int) throws -> Int {
        guard EvaluationPeriod.years.contains(year) else {
            throw APIProblem.invalid("year \(year) is out of range: use \(EvaluationPeriod.years.lowerBound)-\(EvaluationPeriod.years.upperBound)")
        }
        return year
    }

    static func parsePeriod(_ text: String) throws -> SubPeriod {
        guard let p = SubPeriod(text) else { throw APIProblem.invalid("period '\(text)' is not a month M1-M12 or a quarter Q1-Q4") }
        return p
    }

    static func parseKey(_ text: String, _ field: String) throws -> UUID {
        guard let u = UUID(uuidString: text) else { throw APIProblem.invalid("\(field) '\(text)' is not a uuid") }
        return u
    }

    /// The employee, if the caller may see them; otherwise 404, exactly as for a NIP nobody has.
    static func visibleEmployee(_ p: Principal, _ nip: String, _ tx: TenantTransaction) async throws -> Employee {
        let notFound = APIProblem.notFound("employee '\(nip)' not found")
        switch p.role {
        case .pegawai:
            guard p.employeeNIP == nip else { throw notFound }
        case .atasan:
            guard let me = p.employeeNIP else { throw notFound }
            if me != nip, try await !tx.isSubordinate(nip, of: me) { throw notFound }
        default: break
        }
        guard let e = try await tx.employee(nip: nip) else { throw notFound }
        return e
    }

    /// Who acts, for writes: city HR, or the employee behind a pegawai/atasan key.
    static func actor(_ p: Principal) throws -> SKPActor {
        let name = p.auditActor
        switch p.role {
        // An employee's session granted hr_admin stays that employee: HR for others, the owner of their own SKP.
        case .hrAdmin: return SKPActor(name: name, nip: p.employeeNIP, isHR: true)
        case .pegawai, .atasan:
            guard let nip = p.employeeNIP else { throw APIProblem.forbidden("this \(p.role.rawValue) key is not tied to an employee") }
            return .employee(nip, name: name)
        default:
            throw APIProblem.forbidden("\(p.role.rawValue) keys may read SKPs but not change them")
        }
    }

    // MARK: mapping

    static func iki(_ s: Schemas.Iki, at path: String) throws -> SKP.IKI {
        SKP.IKI(key: try s.key.map { try parseKey($0, "\(path).key") } ?? UUID(), text: s.text,
                dimension: SKP.Dimension(rawValue: s.dimension.rawValue) ?? .kuantitas, targetValue: s.targetValue,
                targetUnit: s.targetUnit, targetNarrative: s.targetNarrative, lowerIsBetter: s.lowerIsBetter ?? false,
                accumulation: s.accumulation.flatMap { SKP.Accumulation(rawValue: $0.rawValue) }, templateID: s.templateId)
    }

    static func content(_ s: Schemas.SKPContent) throws -> SKP.Content {
        let rhk = try s.rhk.enumerated().map { i, r in
            SKP.RHK(key: try r.key.map { try parseKey($0, "rhk[\(i)].key") } ?? UUID(),
                    kind: SKP.RHKKind(rawValue: r.kind.rawValue) ?? .utama, text: r.text,
                    parentKey: try r.parentKey.map { try parseKey($0, "rhk[\(i)].parentKey") },
                    iki: try r.iki.enumerated().map { j, k in try iki(k, at: "rhk[\(i)].iki[\(j)]") })
        }
        return SKP.Content(approach: SKP.Approach(rawValue: s.approach.rawValue) ?? .kuantitatif, rhk: rhk)
    }

    static func schema(_ k: SKP.IKI, capaian: Double? = nil, year: Double? = nil) -> Schemas.Iki {
        .init(key: k.key.uuidString.lowercased(), text: k.text, dimension: .init(rawValue: k.dimension.rawValue) ?? .kuantitas,
              targetValue: k.targetValue, targetUnit: k.targetUnit, targetNarrative: k.targetNarrative, lowerIsBetter: k.lowerIsBetter,
              accumulation: .init(rawValue: k.accumulation.rawValue), templateId: k.templateID, capaian: capaian, yearRealisasi: year)
    }

    static func schema(_ r: SKP.RHK, summary: Capaian.Summary? = nil, years: [UUID: Double] = [:]) -> Schemas.Rhk {
        .init(key: r.key.uuidString.lowercased(), kind: .init(rawValue: r.kind.rawValue) ?? .utama, text: r.text,
              parentKey: r.parentKey?.uuidString.lowercased(),
              iki: r.iki.map { schema($0, capaian: summary?.byIKI[$0.key], year: years[$0.key]) }, capaian: summary?.byRHK[r.key])
    }

    static func schema(_ r: SKPRevision, summary: Capaian.Summary? = nil, years: [UUID: Double] = [:]) -> Schemas.SKPRevision {
        .init(nip: r.nip, year: r.year, revision: r.revision, status: .init(rawValue: r.status.rawValue) ?? .draft, jpt: r.jpt,
              atasanNip: r.atasanNIP, returnNote: r.returnNote, approach: .init(rawValue: r.content.approach.rawValue) ?? .kuantitatif,
              rhk: r.content.rhk.map { schema($0, summary: summary, years: years) }, createdAt: r.createdAt, createdBy: r.createdBy,
              updatedAt: r.updatedAt, submittedAt: r.submittedAt, decidedAt: r.decidedAt, decidedBy: r.decidedBy)
    }

    static func schema(_ r: Realisasi) -> Schemas.Realisasi {
        .init(ikiKey: r.ikiKey.uuidString.lowercased(), period: r.period.description, value: r.value, narrative: r.narrative,
              evidence: r.evidence.map { .init(url: $0.url, note: $0.note) }, reportedAt: r.reportedAt, reportedBy: r.reportedBy)
    }

    static func schema(_ f: Feedback) -> Schemas.Feedback {
        .init(id: f.id.uuidString.lowercased(), rhkKey: f.rhkKey.uuidString.lowercased(), period: f.period.description,
              author: f.author, authorNip: f.authorNIP, text: f.text, createdAt: f.createdAt)
    }

    static func schema(_ v: SKPView) -> Schemas.SKPView {
        var years: [UUID: Double] = [:]
        var values: [UUID: [Double]] = [:]
        for r in v.realisasi.sorted(by: { $0.period < $1.period }) { if let x = r.value { values[r.ikiKey, default: []].append(x) } }
        for k in v.revision.content.allIKI { years[k.key] = Capaian.accumulate(values[k.key] ?? [], k.accumulation) }
        return .init(skp: schema(v.revision, summary: v.capaian, years: years), pending: v.pending.map { schema($0) },
                     capaian: v.capaian.skp, realisasi: v.realisasi.map(schema), feedback: v.feedback.map(schema))
    }

    /// An SKP as a key that reads no assessments sees it (an integrator not granted `siasn`): the plan and its
    /// keys, to report realisasi against, without the atasan's feedback and return notes or the capaian, and
    /// without the realisasi too for a key granted neither `realisasi` nor `siasn`. The change feed hides the same.
    static func shown(_ v: Schemas.SKPView, to p: Principal) -> Schemas.SKPView {
        guard !p.readsAssessments else { return v }
        var v = v
        v.skp = shown(v.skp, to: p)
        v.pending = v.pending.map { shown($0, to: p) }
        v.capaian = nil
        v.feedback = []
        if !p.readsRealisasi { v.realisasi = [] }
        return v
    }

    static func shown(_ r: Schemas.SKPRevision, to p: Principal) -> Schemas.SKPRevision {
        guard !p.readsAssessments else { return r }
        var r = r
        r.returnNote = nil
        // That the atasan sent the plan back is their judgement of it, as the note is. A plan not yet in force
        // reads as a draft, whether it is with the employee or with the atasan: a returned revision shown as
        // submitted, then as a draft, would tell of the return. No revision shows a decision other than the
        // approval (a returned one submitted again keeps the return's time and name in the store).
        // Its last change's time too: a submission and a return change it, and the feed shows such a key the
        // edits (skp.edit), not those, so a time later than the last edit would tell of them.
        if r.status != .approved && r.status != .superseded {
            (r.status, r.submittedAt, r.decidedAt, r.decidedBy, r.updatedAt) = (.draft, nil, nil, nil, r.createdAt)
        }
        for i in r.rhk.indices {
            r.rhk[i].capaian = nil
            for j in r.rhk[i].iki.indices {
                r.rhk[i].iki[j].capaian = nil
                if !p.readsRealisasi { r.rhk[i].iki[j].yearRealisasi = nil }
            }
        }
        return r
    }

    /// Whether a key that reads no assessments sees a proposal: once accepted (it is in the plan anyway), never
    /// the atasan's reason. Not one refused (the atasan's judgement, as a return is), and so not one still proposed
    /// either: one seen proposed and then gone would tell of its refusal (the feed leaves out `iki.propose` too).
    static func shows(_ proposal: IKIProposal, to p: Principal) -> Bool { p.readsAssessments || proposal.status == .accepted }

    static func shown(_ proposal: Schemas.Proposal, to p: Principal) -> Schemas.Proposal {
        guard !p.readsAssessments else { return proposal }
        var proposal = proposal
        proposal.reason = nil
        return proposal
    }

    /// A cascade as a key that reads no assessments sees it: a plan not yet in force reads as a draft.
    static func shown(_ n: Schemas.CascadeNode, to p: Principal) -> Schemas.CascadeNode {
        guard !p.readsAssessments else { return n }
        var n = n
        if n.status == .submitted || n.status == .returned { n.status = .draft }
        n.children = n.children.map { shown($0, to: p) }
        return n
    }

    static func schema(_ p: IKIProposal) -> Schemas.Proposal {
        .init(id: p.id.uuidString.lowercased(), nip: p.nip, year: p.year, rhkKey: p.rhkKey.uuidString.lowercased(),
              iki: schema(p.iki), status: .init(rawValue: p.status.rawValue) ?? .proposed, reason: p.reason,
              proposedBy: p.proposedBy, createdAt: p.createdAt, decidedBy: p.decidedBy, decidedAt: p.decidedAt)
    }

    static func schema(_ n: CascadeNode) -> Schemas.CascadeNode {
        .init(nip: n.nip, name: n.name, jabatanName: n.jabatanName, revision: n.revision,
              status: .init(rawValue: n.status.rawValue) ?? .draft, rhk: schema(n.rhk), children: n.children.map(schema))
    }

    // MARK: reading

    func getMySKP(_ input: Operations.GetMySKP.Input) async throws -> Operations.GetMySKP.Output {
        let p = try RequestState.principal()
        guard let nip = p.employeeNIP else {
            throw APIProblem.invalid("this \(p.role.rawValue) key is not an employee's: use /v1/employees/{nip}/skp/{year}")
        }
        let year = try Self.parseYear(input.query.year)
        let view = try await database.withTenant(try p.city()) { tx in try await tx.skpView(nip: nip, year: year) }
        guard let view else { throw APIProblem.notFound("no SKP for \(year) yet") }
        return .ok(.init(body: .json(Self.schema(view))))
    }

    func getSKP(_ input: Operations.GetSKP.Input) async throws -> Operations.GetSKP.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let view = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.skpView(nip: nip, year: year)
        }
        guard let view else { throw APIProblem.notFound("employee '\(nip)' has no SKP for \(year)") }
        let schema = Self.shown(Self.schema(view), to: p)
        return .ok(.init(headers: .init(eTag: try EntityTag.of(schema)), body: .json(schema)))
    }

    func listSKPRevisions(_ input: Operations.ListSKPRevisions.Input) async throws -> Operations.ListSKPRevisions.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let all = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.skpRevisions(nip: nip, year: year)
        }
        let (revisions, next) = try Pagination.page(all, key: { String($0.revision) }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: revisions.map { Self.shown(Self.schema($0), to: p) }))))
    }

    func getSKPTree(_ input: Operations.GetSKPTree.Input) async throws -> Operations.GetSKPTree.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let roots = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            // A pegawai key sees its own SKP and what it cascades from, not the RHK of anyone below.
            return try await tx.skpTree(nip: nip, year: year, includeBelow: p.role != .pegawai)
        }
        return .ok(.init(body: .json(.init(nip: nip, year: year, roots: roots.map { Self.shown(Self.schema($0), to: p) }))))
    }

    func getTeamSKP(_ input: Operations.GetTeamSKP.Input) async throws -> Operations.GetTeamSKP.Output {
        let p = try RequestState.principal()
        let year = try Self.parseYear(input.query.year)
        let atasan: String
        switch p.role {
        case .atasan:
            guard let me = p.employeeNIP else { throw APIProblem.forbidden("this key is not tied to an employee") }
            if let other = input.query.atasan, (try? Self.parseNIP(other)) != me {
                throw APIProblem.forbidden("an atasan key shows its own team only")
            }
            atasan = me
        case .hrAdmin:
            guard let raw = input.query.atasan else { throw APIProblem.invalid("name the atasan with ?atasan=NIP") }
            atasan = try Self.parseNIP(raw)
        case .integrator, .pegawai, .bknAdmin:
            throw APIProblem.forbidden("the team view is for atasan and hr_admin keys; this key is \(p.role.rawValue)")
        }
        let asked = try input.query.period.map(Self.parsePeriod)
        let (period, items) = try await withReadTenant(try p.city()) { tx in
            guard try await tx.employee(nip: atasan) != nil else { throw APIProblem.notFound("employee '\(atasan)' not found") }
            // A period asked for is a month or quarter of the year in this city (the year itself takes no realisasi);
            // another would list everyone as not reported.
            if let asked {
                let months = try await tx.periods(year: year).map(\.period.subPeriod).filter { $0.kind != .annual }
                guard months.contains(asked) else {
                    throw APIProblem.invalid("period '\(asked)' is not a month or quarter of \(year) in this city"
                                             + (months.isEmpty ? ": the year is not open" : " (its periods: \(months.first!)-\(months.last!))"))
                }
            }
            var period = asked
            if period == nil {
                let today = CivilDate.today(in: try await tx.profile().timeZoneOrDefault)
                period = try await tx.periods(year: year).filter { $0.period.kind != .annual && $0.period.startsOn <= today }
                    .last.map { $0.period.subPeriod }
            }
            let items = try await tx.skpSummaries(SKPFilter(year: year, directReportsOf: atasan, period: period))
            return (period, items)
        }
        let rows = items.map { s in
            Schemas.SKPSummary(nip: s.nip, name: s.name, jabatanName: s.jabatanName, unitCode: s.unitCode, revision: s.revision,
                               status: s.status.flatMap { .init(rawValue: $0.rawValue) }, revisionInForce: s.revisionInForce,
                               capaian: s.capaian, ikiCount: s.ikiCount, ikiReported: s.ikiReported,
                               reported: s.ikiCount > 0 && s.ikiReported == s.ikiCount)
        }
        // Who has not reported counts the whole team, whatever the page.
        let notReported = period == nil ? [] : rows.filter { !$0.reported }.map(\.nip)
        let (page, next) = try Pagination.page(rows, key: \.nip, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, year: year, period: period?.description, atasanNip: atasan, items: page,
                                           notReported: notReported))))
    }

    func listIndicatorTemplates(_ input: Operations.ListIndicatorTemplates.Input) async throws -> Operations.ListIndicatorTemplates.Output {
        let p = try RequestState.principal()
        let nip = try Self.parseNIP(input.path.nip)
        let (templates, enabled) = try await database.withTenant(try p.city()) { tx in
            let e = try await Self.visibleEmployee(p, nip, tx)
            let profile = try await tx.profile()
            let position = IndicatorCatalogue.Position(jabatanName: e.jabatanName, jabatanKind: e.jabatanKind, jabatanLevel: e.jabatanLevel,
                                                       units: try await tx.unitPath(code: e.unitCode))
            return (IndicatorCatalogue.templates(profile.indicators, for: position), profile.indicatorProposals)
        }
        let (page, next) = try Pagination.page(templates, key: \.id, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: page.map { t in
            // The spec lists every aspect (SpecCodeListTests).
            .init(id: t.id, appliesTo: t.appliesTo, rhk: t.rhk, iki: t.iki, dimension: .init(rawValue: t.aspect.rawValue)!, unit: t.unit,
                  target: t.target, lowerIsBetter: t.lowerIsBetter ?? false,
                  accumulation: .init(rawValue: (t.accumulation ?? .default(for: SKP.Dimension(rawValue: t.aspect.rawValue) ?? .kuantitas)).rawValue) ?? .sum,
                  agreedWithEmployee: t.agreedWithEmployee)
        }, proposalsEnabled: enabled))))
    }

    func listProposals(_ input: Operations.ListProposals.Input) async throws -> Operations.ListProposals.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let all = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.proposals(nip: nip, year: year).filter { Self.shows($0, to: p) }
        }
        let (items, next) = try Pagination.page(all, key: { $0.id.uuidString }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: items.map { Self.shown(Self.schema($0), to: p) }))))
    }

    // MARK: writing

    /// With `If-Match`, the SKP must still be the version that tag names (as GET shows it), or 412 and nothing
    /// changes; without it, a change to an SKP that exists is refused (428). The version is read under the lock,
    /// held until the transaction ends (nobody changes it between the read and the change); the returned closure
    /// judges the precondition, and is called after the change, inside the transaction: as RFC 9110 has it, a
    /// request refused for who sent it or the SKP's state (403, 404, 409) is told that, not 412 or 428.
    static func requireUnchanged(_ ifMatch: String?, nip: String, year: Int, _ tx: TenantTransaction) async throws -> @Sendable () throws -> Void {
        let exists = try await tx.lockSKPForChange(nip: nip, year: year)
        guard let ifMatch else {
            return { if exists { throw EntityTag.required(what: "the SKP of \(nip) for \(year)", read: "GET /v1/employees/\(nip)/skp/\(year)") } }
        }
        let current = try await skpTag(nip: nip, year: year, tx)
        return { try EntityTag.require(ifMatch, matches: current, what: "SKP \(nip) \(year)") }
    }

    /// The SKP's tag as the next GET gives it: the answer to a change carries it, so the next change can be made
    /// from it without a read.
    static func skpTag(nip: String, year: Int, _ tx: TenantTransaction) async throws -> String? {
        try await tx.skpView(nip: nip, year: year).map { try EntityTag.of(Self.schema($0)) }
    }

    func saveSKP(_ input: Operations.SaveSKP.Input) async throws -> Operations.SaveSKP.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the SKP as application/json") }
        let content = try Self.content(body)
        // An indicator made from a template and sent without `accumulation` adds up as its template says (a
        // client written before the field, or one that leaves it out): Banjarbaru's rate is the latest figure.
        let fromTemplates = body.rhk.enumerated().flatMap { i, r in
            r.iki.enumerated().compactMap { j, k in k.accumulation == nil ? k.templateId.map { (i, j, $0) } : nil }
        }
        let actor = try Self.actor(p)
        let ifMatch = input.headers.ifMatch
        let (saved, tag) = try await database.withTenant(try p.city()) { [content] tx in
            let content = try await tx.withTemplateAccumulation(content, at: fromTemplates)
            _ = try await Self.visibleEmployee(p, nip, tx)
            let unseen = try await Self.requireUnchanged(ifMatch, nip: nip, year: year, tx)
            let saved = try await tx.saveSKP(nip: nip, year: year, content: content, actor: actor)
            try unseen()
            return (saved, try await Self.skpTag(nip: nip, year: year, tx))
        }
        return .ok(.init(headers: .init(eTag: tag), body: .json(Self.schema(saved))))
    }

    func submitSKP(_ input: Operations.SubmitSKP.Input) async throws -> Operations.SubmitSKP.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let actor = try Self.actor(p)
        // If-Match is the submitter's choice: they send the draft they read, or say nothing and send the draft
        // as stored (the atasan's decision, which takes it, is made on a version they read).
        let ifMatch = input.headers.ifMatch
        let (r, tag) = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            var unseen: (@Sendable () throws -> Void)?
            if let ifMatch { unseen = try await Self.requireUnchanged(ifMatch, nip: nip, year: year, tx) }
            let r = try await tx.submitSKP(nip: nip, year: year, actor: actor)
            try unseen?()
            return (r, try await Self.skpTag(nip: nip, year: year, tx))
        }
        return .ok(.init(headers: .init(eTag: tag), body: .json(Self.schema(r))))
    }

    func approveSKP(_ input: Operations.ApproveSKP.Input) async throws -> Operations.ApproveSKP.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let actor = try Self.actor(p)
        let (r, tag) = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            let unseen = try await Self.requireUnchanged(input.headers.ifMatch, nip: nip, year: year, tx)
            let r = try await tx.decideSKP(nip: nip, year: year, approve: true, note: nil, actor: actor)
            try unseen()
            return (r, try await Self.skpTag(nip: nip, year: year, tx))
        }
        return .ok(.init(headers: .init(eTag: tag), body: .json(Self.schema(r))))
    }

    func returnSKP(_ input: Operations.ReturnSKP.Input) async throws -> Operations.ReturnSKP.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {\"note\": ...} as application/json") }
        let actor = try Self.actor(p)
        let (r, tag) = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            let unseen = try await Self.requireUnchanged(input.headers.ifMatch, nip: nip, year: year, tx)
            let r = try await tx.decideSKP(nip: nip, year: year, approve: false, note: body.note, actor: actor)
            try unseen()
            return (r, try await Self.skpTag(nip: nip, year: year, tx))
        }
        return .ok(.init(headers: .init(eTag: tag), body: .json(Self.schema(r))))
    }

    func reportRealisasi(_ input: Operations.ReportRealisasi.Input) async throws -> Operations.ReportRealisasi.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the realisasi as application/json") }
        let key = try Self.parseKey(body.ikiKey, "ikiKey")
        let period = try Self.parsePeriod(body.period)
        let evidence = (body.evidence ?? []).map { Evidence(url: $0.url, note: $0.note) }
        let actor = try Self.actor(p)
        let r = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.reportRealisasi(nip: nip, year: year, ikiKey: key, period: period, value: body.value,
                                                narrative: body.narrative, evidence: evidence, actor: actor)
        }
        return .ok(.init(body: .json(Self.schema(r))))
    }

    func addFeedback(_ input: Operations.AddFeedback.Input) async throws -> Operations.AddFeedback.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the feedback as application/json") }
        let key = try Self.parseKey(body.rhkKey, "rhkKey")
        let period = try Self.parsePeriod(body.period)
        let actor = try Self.actor(p)
        let f = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.addFeedback(nip: nip, year: year, rhkKey: key, period: period, text: body.text, actor: actor)
        }
        return .created(.init(body: .json(Self.schema(f))))
    }

    func proposeIKI(_ input: Operations.ProposeIKI.Input) async throws -> Operations.ProposeIKI.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the proposal as application/json") }
        let key = try Self.parseKey(body.rhkKey, "rhkKey")
        let iki = try Self.iki(body.iki, at: "iki")
        let actor = try Self.actor(p)
        let proposal = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.proposeIKI(nip: nip, year: year, rhkKey: key, iki: iki, actor: actor)
        }
        return .created(.init(body: .json(Self.schema(proposal))))
    }

    func decideProposal(_ input: Operations.DecideProposal.Input) async throws -> Operations.DecideProposal.Output {
        let p = try RequestState.principal()
        let id = try Self.parseKey(input.path.id, "proposal id")
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {\"accept\": true|false} as application/json") }
        guard p.role == .atasan || p.role == .hrAdmin else {
            throw APIProblem.forbidden("proposals are decided with atasan or hr_admin keys; this key is \(p.role.rawValue)")
        }
        let actor = try Self.actor(p)
        let proposal = try await database.withTenant(try p.city()) { tx in
            // Someone the caller may not see: answered like a proposal that does not exist.
            guard let nip = try await tx.proposalOwner(id: id) else { throw APIProblem.notFound("proposal '\(input.path.id)' not found") }
            do { _ = try await Self.visibleEmployee(p, nip, tx) } catch { throw APIProblem.notFound("proposal '\(input.path.id)' not found") }
            return try await tx.decideProposal(id: id, accept: body.accept, reason: body.reason, actor: actor)
        }
        return .ok(.init(body: .json(Self.schema(proposal))))
    }
}
