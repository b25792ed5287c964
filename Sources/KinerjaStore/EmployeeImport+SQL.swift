import Foundation
import KinerjaCore
import PostgresNIO

/// The set-based half of the import: checks across rows, the derived atasan, counting, and the merge.
extension TenantTransaction {
    func rowErrors(_ sql: PostgresQuery) async throws -> [RowError] {
        var out: [RowError] = []
        for try await (line, column, value, reason) in try await query(sql).decode((Int, String, String, String).self) {
            out.append(RowError(line: line, column: column, value: value, reason: reason))
        }
        return out
    }

    func crossRowProblems(atasanFromFile: Bool, deactivateMissing: Bool, byKey: Bool) async throws -> [RowError] {
        var out = try await rowErrors("""
            select s.line, 'NIP', s.nip::text, 'appears more than once in the file (first on line ' || f.first || ')'
            from import_stage s
            join (select nip, min(line) as first from import_stage group by nip having count(*) > 1) f on f.nip = s.nip
            where s.line <> f.first
            """)
        // A unit has one place in the tree: the same code under two parents, or as a parent and a child.
        out += try await rowErrors("""
            with firsts as (
                select distinct on (unit_code) unit_code, parent_code, line from import_stage order by unit_code, line
            )
            select s.line, 'UNOR INDUK', coalesce(s.parent_name, ''),
                   'unit ' || s.unit_code || ' is placed under ' || coalesce(f.parent_code, 'no parent')
                   || ' on line ' || f.line || ', and under ' || coalesce(s.parent_code, 'no parent') || ' here'
            from import_stage s join firsts f on f.unit_code = s.unit_code
            where s.parent_code is distinct from f.parent_code
            union all
            select min(s.line), 'UNOR INDUK', min(s.parent_name),
                   'unit ' || s.parent_code || ' is a parent here but itself sits under ' || min(c.parent_code) || ' on line ' || min(c.line)
            from import_stage s join import_stage c on c.unit_code = s.parent_code and c.parent_code is not null
            group by s.parent_code
            """)
        guard atasanFromFile else { return out }
        out += try await rowErrors("""
            select s.line, 'NIP ATASAN', s.atasan_nip::text,
                   case when \(deactivateMissing) then 'is not in the file; with deactivate-missing every atasan must be in it'
                        else 'is neither in the file nor among the city''s employees' end
            from import_stage s
            where s.atasan_nip is not null
              and not exists (select 1 from import_stage t where t.nip = s.atasan_nip)
              and (\(deactivateMissing)
                   or not exists (select 1 from employees e where e.tenant_id = \(tenant.uuid) and e.nip = s.atasan_nip))
            """)
        // An active employee's atasan is active: an inactive one approves no SKP. Refused only where the file makes
        // it so, as a put refuses it: a row that brings the link (new, another atasan, or made active) to someone
        // inactive, or a row that makes inactive an atasan whom active employees keep, in the file or left out of
        // it. A link stored before these checks, and sent again as it is, passes.
        out += try await rowErrors("""
            select s.line, 'NIP ATASAN', s.atasan_nip::text,
                   case when t.nip is not null and ta.status = 'active' then 'is made inactive by this file (line ' || t.line || ')'
                        when t.nip is not null then 'is inactive (line ' || t.line || ' of this file)'
                        else 'is an inactive employee of the city' end
            from import_stage s
            left join import_stage t on t.nip = s.atasan_nip
            left join employees ta on ta.tenant_id = \(tenant.uuid) and ta.nip = s.atasan_nip
            left join employees se on se.tenant_id = \(tenant.uuid) and se.nip = s.nip
            where s.status = 'active' and s.atasan_nip is not null and coalesce(t.status, ta.status) = 'inactive'
              and (se.nip is null or se.atasan_nip is distinct from s.atasan_nip or se.status <> 'active'
                   or (t.nip is not null and ta.status = 'active'))
            union all
            select s.line, 'KEDUDUKAN HUKUM', min(s.status),
                   'makes inactive the atasan of ' || count(*) || ' active employee(s) the file leaves out (' || min(m.nip)
                   || '): give them another atasan in the file, or leave NIP ATASAN out so that the rule finds one'
            from import_stage s
            join employees x on x.tenant_id = \(tenant.uuid) and x.nip = s.nip and x.status = 'active'
            join employees m on m.tenant_id = \(tenant.uuid) and m.atasan_nip = s.nip and m.status = 'active'
            where s.status = 'inactive' and not \(deactivateMissing)
              and not exists (select 1 from import_stage t where t.nip = m.nip)
            group by s.line
            """)
        // The stored atasan have no loop: a new one passes through a row of the file, so the walks start there. A
        // few rows follow each step by key (one employee put into a city of 100,000: 0.2 ms instead of 88 by hashing
        // the city's every link at each step); a large file joins all its walks to all links in one pass a step.
        let next = byKey ? """
            from walk w cross join lateral (
                select t.atasan_nip from import_stage t where t.nip = w.cur and t.atasan_nip is not null
                union all
                select e.atasan_nip from employees e
                where e.tenant_id = '\(tenant.uuid.uuidString)' and e.nip = w.cur and e.atasan_nip is not null
                  and not exists (select 1 from import_stage t where t.nip = e.nip)
            ) n
            """ : """
            from walk w join (
                select nip, atasan_nip from import_stage where atasan_nip is not null
                union all
                select e.nip, e.atasan_nip from employees e
                where e.tenant_id = '\(tenant.uuid.uuidString)' and e.atasan_nip is not null
                  and not exists (select 1 from import_stage s where s.nip = e.nip)
            ) n on n.nip = w.cur
            """
        out += try await rowErrors("""
            with recursive walk (start, cur, path, depth) as (
                select nip, atasan_nip, array[nip::text, atasan_nip::text], 1 from import_stage where atasan_nip is not null
                union all
                select w.start, n.atasan_nip, w.path || n.atasan_nip::text, w.depth + 1
                \(unescaped: next)
                where w.cur <> w.start and w.depth < 64
            )
            select s.line, 'NIP ATASAN', s.atasan_nip::text, 'makes a cycle of atasan: ' || array_to_string(w.path, ' -> ')
            from walk w join import_stage s on s.nip = w.start
            where w.cur = w.start
            """)
        return out
    }

    /// Where the merge takes each row's atasan from.
    enum AtasanSource {
        /// `import_stage.atasan_nip`, from the file's `NIP ATASAN`.
        case file
        /// `import_atasan`, derived from the unit tree.
        case derived

        /// A join to add after `from import_stage s`, and the expression of the atasan.
        var join: String { self == .file ? "" : "left join import_atasan d on d.nip = s.nip" }
        var column: String { self == .file ? "s.atasan_nip" : "d.atasan" }
    }

    /// Without `NIP ATASAN`: the holder of a unit's highest struktural post leads it; staff report to the head
    /// of their unit, a head to the head of the unit above; a unit with no head passes to the one above. Unless
    /// `deactivateMissing` makes the file the whole city, the posts of the employees the file leaves out count too,
    /// and the file's post wins a tie with a stored one (a new head sent without the old one leads): a file of only
    /// the rows that changed keeps their atasan. The employees it leaves out keep theirs, except where the file
    /// changes what the rule gives them (the head of their unit or of the unit above, or which unit is above) or
    /// makes their atasan inactive: those are derived again (`import_rederived`). An atasan derived so that it
    /// closes a loop with the stored ones refuses the file.
    /// A post's rank in its unit, highest first (JPT, Administrator, Pengawas, the rest).
    static let postRank = "case jabatan_level when 'JPT' then 1 when 'Administrator' then 2 when 'Pengawas' then 3 else 4 end"
    /// A unit's head among its ranked posts: the one at the top, or none when the top is a tie.
    static let soleHead = "case when count(*) filter (where r = 1) = 1 then min(nip) filter (where r = 1) end"

    func deriveAtasan(into summary: inout ImportSummary, options: ImportOptions) async throws {
        let deactivateMissing = options.deactivateMissing
        // Each unit's head after the file (`nip`) and before it (`before_nip`, from the stored posts alone).
        try await query("""
            create temporary table import_heads on commit drop as
            with stored as (
                -- A head whose atasan holds a post of the same rank in the same unit gave way to them (a handover
                -- an earlier file or put decided): the stored tree keeps that decision.
                select u.code as unit_code, e.nip, e.jabatan_level,
                       exists (select 1 from import_stage s where s.nip = e.nip) as in_file,
                       exists (select 1 from employees p
                               where p.tenant_id = e.tenant_id and p.nip = e.atasan_nip and p.unit_id = e.unit_id
                                 and p.jabatan_kind = 'struktural' and p.status = 'active'
                                 and p.jabatan_level is not distinct from e.jabatan_level) as gave_way
                from employees e join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
                where e.tenant_id = \(tenant.uuid) and e.jabatan_kind = 'struktural' and e.status = 'active'
            ), posts as (
                -- A row wins a tie only when it brings a post: new, or moved, promoted or made active. A post sent
                -- again as stored (one employee put as it was, or a file resending it) is ranked as stored.
                select s.unit_code, s.nip, s.jabatan_level, t.nip is null as filed, coalesce(t.gave_way, false) as gave_way
                from import_stage s
                left join stored t on t.nip = s.nip and t.unit_code = s.unit_code and t.jabatan_level is not distinct from s.jabatan_level
                where s.jabatan_kind = 'struktural' and s.status = 'active'
                union all
                select unit_code, nip, jabatan_level, false, gave_way from stored where not in_file and not \(deactivateMissing)
            ), after as (
                select unit_code, nip,
                       rank() over (partition by unit_code order by \(unescaped: Self.postRank), filed desc, gave_way) as r
                from posts
            ), before as (
                select unit_code, nip,
                       rank() over (partition by unit_code order by \(unescaped: Self.postRank), gave_way) as r
                from stored
            ), ha as (
                select unit_code, \(unescaped: Self.soleHead) as nip from after group by unit_code
            ), hb as (
                select unit_code, \(unescaped: Self.soleHead) as nip from before group by unit_code
            )
            select coalesce(ha.unit_code, hb.unit_code) as unit_code, ha.nip, hb.nip as before_nip
            from ha full join hb on hb.unit_code = ha.unit_code
            """)
        try await query("create index on import_heads (unit_code)")
        try await query("analyze import_heads")
        try await query("""
            create temporary table import_atasan on commit drop as
            with units as (
                select distinct unit_code, parent_code from import_stage
            )
            select s.nip, case when h.nip is not null and h.nip <> s.nip then h.nip else ph.nip end as atasan
            from import_stage s
            join units u on u.unit_code = s.unit_code
            left join import_heads h on h.unit_code = s.unit_code
            left join import_heads ph on ph.unit_code = u.parent_code
            """)
        try await query("create index on import_atasan (nip)")
        try await query("analyze import_atasan")
        if !deactivateMissing {
            // What the rule gave each employee the file leaves out before it and gives after it. The heads change only
            // in the units of the file's rows (as the file says and as stored), and the unit above changes only for
            // units the file names: the employees of those units and of the units right below them are all it can
            // change. A file of a few rows finds them by key (nested loops, which the import otherwise turns off;
            // 2 rows into a city of 100,000: 10 ms instead of 130); a large one compares the whole city in one pass.
            let byKey = summary.rows <= options.findLeftOutByKeyUpTo
            try await query("set local enable_nestloop = \(unescaped: byKey ? "on" : "off")")
            try await query("""
                create temporary table import_rederived on commit drop as
                with units as (
                    select distinct unit_code, parent_code from import_stage
                ), changed_units as (
                    select o.unit_id from units su join org_units o on o.tenant_id = \(tenant.uuid) and o.code = su.unit_code
                    union
                    select e.unit_id from import_stage s join employees e on e.tenant_id = \(tenant.uuid) and e.nip = s.nip
                ), near as (
                    select unit_id from changed_units
                    union
                    select c.unit_id from org_units c
                    where c.tenant_id = \(tenant.uuid) and c.parent_id in (select unit_id from changed_units)
                ), candidates as (
                    select e.nip from employees e where e.tenant_id = \(tenant.uuid) and e.unit_id in (select unit_id from near)
                    union
                    select e.nip from employees e where e.tenant_id = \(tenant.uuid)
                      and e.atasan_nip in (select nip from import_stage where status <> 'active')
                ), left_out as (
                    select e.nip, e.atasan_nip, u.code as unit_code, pu.code as parent_before,
                           case when su.unit_code is not null then su.parent_code else pu.code end as parent_after
                    from employees e
                    join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
                    left join org_units pu on pu.tenant_id = u.tenant_id and pu.unit_id = u.parent_id
                    left join units su on su.unit_code = u.code
                    where e.tenant_id = \(tenant.uuid) and e.status = 'active'
                      \(unescaped: byKey ? "and e.nip in (select nip from candidates)" : "")
                      and not exists (select 1 from import_stage s where s.nip = e.nip)
                ), derived as (
                    select l.nip, l.atasan_nip, l.unit_code, l.parent_before, l.parent_after,
                           case when h.nip is not null and h.nip <> l.nip then h.nip else pa.nip end as after,
                           case when h.before_nip is not null and h.before_nip <> l.nip then h.before_nip else pb.before_nip end as before,
                           g.nip is not null as atasan_gone
                    from left_out l
                    left join import_heads h on h.unit_code = l.unit_code
                    left join import_heads pa on pa.unit_code = l.parent_after
                    left join import_heads pb on pb.unit_code = l.parent_before
                    left join import_stage g on g.nip = l.atasan_nip and g.status <> 'active'
                )
                select nip, atasan_nip as before, after as atasan, unit_code, parent_before, parent_after
                from derived
                where (after is distinct from before or atasan_gone) and after is distinct from atasan_nip
                """)
            try await query("create index on import_rederived (nip)")
            // Without statistics the loop walk below plans for a large table: 0.48 s instead of 40 ms on a whole
            // download of 100,000, where it is empty.
            try await query("analyze import_rederived")
            try await query("set local enable_nestloop = \(unescaped: summary.rows <= options.joinByKeyUpTo ? "on" : "off")")
            let rows = try await query("select nip::text, atasan is null from import_rederived order by nip")
            for try await (nip, none) in rows.decode((String, Bool).self) {
                summary.atasanRederivedCount += 1
                if summary.atasanRederived.count < 100 { summary.atasanRederived.append(nip) }
                if none {
                    summary.atasanNotDerivedCount += 1
                    if summary.atasanNotDerived.count < 100 { summary.atasanNotDerived.append(nip) }
                }
            }
        }
        if !deactivateMissing {
            // The tree gives the file's rows no loop among themselves, and the stored atasan have none: a new one
            // passes through a row whose atasan is someone the file leaves out, or through an atasan derived again
            // (the others are as stored, which a file with NIP ATASAN may have set anywhere). The walks start there
            // alone (none in a whole download) and follow each step by key, the file's or the derived-again atasan
            // before the stored one: row by row, which the import otherwise turns off (0.34 s instead of 0.2 ms for
            // 2 rows in a city of 100,000). One loop walked from several of its members is named once.
            // Its estimates (a recursive walk over the city) pass PostgreSQL's threshold for compiling the statement,
            // which took 0.6 s for a walk of no rows: turned off for it.
            try await query("set local enable_nestloop = on")
            try await query("set local jit = off")
            let loops = try await rowErrors("""
                with recursive walk (start, cur, path, depth) as (
                    select d.nip, d.atasan, array[d.nip, d.atasan], 1 from import_atasan d
                    where d.atasan is not null and not exists (select 1 from import_stage t where t.nip = d.atasan)
                    union all
                    select r.nip, r.atasan, array[r.nip, r.atasan], 1 from import_rederived r where r.atasan is not null
                    union all
                    select w.start, n.atasan, w.path || n.atasan, w.depth + 1
                    from walk w cross join lateral (
                        select d.atasan from import_atasan d where d.nip = w.cur
                        union all
                        select r.atasan from import_rederived r where r.nip = w.cur
                        union all
                        select e.atasan_nip from employees e
                        where e.tenant_id = \(tenant.uuid) and e.nip = w.cur
                          and not exists (select 1 from import_stage t where t.nip = e.nip)
                          and not exists (select 1 from import_rederived r where r.nip = e.nip)
                    ) n
                    where n.atasan is not null and w.cur <> w.start and w.depth < 64
                )
                -- One row a loop, however many of its members it was walked from: the first line that names it.
                select line, 'NIP', value, reason from (
                    select distinct on (members) *
                    from (
                        select coalesce(s.line, c.line, 1) as line, coalesce(s.nip, c.nip, r.nip::text) as value,
                               case when s.nip is not null then 'its atasan, derived from the unit tree, makes a cycle with the city''s employees '
                                    else 'it derives again the atasan of ' || r.nip || ', who is not in the file, and that makes a cycle with '
                                         || 'the city''s employees' end
                               || ' (send NIP ATASAN, or their rows too): ' || array_to_string(w.path, ' -> ') as reason,
                               (select array_agg(m order by m) from unnest(w.path[2:]) m) as members, s.nip is null as derived_again
                        from walk w
                        left join import_stage s on s.nip = w.start
                        left join import_rederived r on r.nip = w.start
                        -- The file's first row that changes what the rule gives them: their atasan's, or one in (or
                        -- out of) their unit or the unit above.
                        left join lateral (
                            select f.line, f.nip from import_stage f
                            left join employees x on x.tenant_id = \(tenant.uuid) and x.nip = f.nip
                            left join org_units xu on xu.tenant_id = x.tenant_id and xu.unit_id = x.unit_id
                            where f.nip = r.before or f.unit_code in (r.unit_code, r.parent_before, r.parent_after)
                               or xu.code in (r.unit_code, r.parent_before, r.parent_after)
                            order by f.line limit 1
                        ) c on r.nip is not null
                        where w.cur = w.start
                    ) found
                    order by members, line, derived_again
                ) loops
                order by line
                """)
            try await query("set local enable_nestloop = \(unescaped: summary.rows <= options.joinByKeyUpTo ? "on" : "off")")
            try await query("set local jit to default")
            if !loops.isEmpty { throw ImportRejected(every: loops) }
        }
        // Heads of top units have no atasan inside the city; anyone else without one is listed.
        let rows = try await query("""
            select s.nip::text from import_stage s join import_atasan d on d.nip = s.nip
            where d.atasan is null and s.status = 'active'
              and not (s.parent_code is null and s.jabatan_kind = 'struktural')
            order by s.line
            """)
        for try await nip in rows.decode(String.self) {
            summary.atasanNotDerivedCount += 1
            if summary.atasanNotDerived.count < 100 { summary.atasanNotDerived.append(nip) }
        }
    }

    func classify(into summary: inout ImportSummary, options: ImportOptions, atasan: AtasanSource) async throws {
        let deactivateMissing = options.deactivateMissing
        let counts = try await query("""
            select count(*) filter (where e.nip is null),
                   count(*) filter (where e.nip is not null and (s.name, s.gelar_depan, s.gelar_belakang, s.employee_type,
                        s.jabatan_kind, s.jabatan_level, s.jabatan_name, s.golongan, s.unit_code, \(unescaped: atasan.column), s.status,
                        s.email, s.birth_date, s.gender)
                        is distinct from (e.name, e.gelar_depan, e.gelar_belakang, e.employee_type, e.jabatan_kind,
                        e.jabatan_level, e.jabatan_name, e.golongan, u.code, e.atasan_nip, e.status, e.email,
                        e.birth_date, e.gender::text)),
                   case when \(deactivateMissing || options.countMissing) then
                       (select count(*) from employees m where m.tenant_id = \(tenant.uuid) and m.status = 'active'
                            and not exists (select 1 from import_stage t where t.nip = m.nip)) else 0 end
            from import_stage s \(unescaped: atasan.join)
            left join employees e on e.tenant_id = \(tenant.uuid) and e.nip = s.nip
            left join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            """)
        for try await (new, changed, missing) in counts.decode((Int, Int, Int).self) {
            summary.new = new
            summary.changed = changed
            summary.unchanged = summary.rows - new - changed
            if deactivateMissing { summary.deactivated = missing } else { summary.missing = missing }
        }
        // The file's units once, for counting and merging: each code with the first name the file gives it;
        // units that appear only as a parent (UNOR INDUK) are OPDs or kecamatan.
        try await query("""
            create temporary table import_units on commit drop as
            select distinct on (unit_code) unit_code as code, unit_name as name, unit_kind as kind, parent_code,
                   false as only_parent
            from import_stage order by unit_code, unit_name is null, line
            """)
        try await query("""
            insert into import_units
            select distinct on (parent_code) parent_code, parent_name,
                   case when lower(parent_name) like 'kecamatan%' then 'kecamatan' else 'opd' end, null, true
            from import_stage where parent_code is not null
              and not exists (select 1 from import_units u where u.code = import_stage.parent_code)
            order by parent_code, parent_name is null, line
            """)
        let units = try await query("""
            -- A unit named only as a parent keeps whatever parent it has: only its name and kind count.
            -- A unit the file names only by code keeps its name and kind.
            select count(*) filter (where o.code is null),
                   count(*) filter (where o.code is not null
                                    and ((i.name is not null and (i.name, i.kind) is distinct from (o.name, o.kind))
                                         or (not i.only_parent and i.parent_code is distinct from p.code)))
            from import_units i
            left join org_units o on o.tenant_id = \(tenant.uuid) and o.code = i.code
            left join org_units p on p.tenant_id = o.tenant_id and p.unit_id = o.parent_id
            """)
        for try await (new, changed) in units.decode((Int, Int).self) {
            summary.unitsNew = new
            summary.unitsChanged = changed
        }
    }

    func merge(new: Int, changed: Int, deactivateMissing: Bool, atasan: AtasanSource) async throws {
        // New units: a unit the file names only by code is called by its code until a file names it.
        try await query("""
            insert into org_units (tenant_id, unit_id, code, name, kind)
            select \(tenant.uuid), gen_random_uuid(), code, coalesce(name, code), kind from import_units
            on conflict (tenant_id, code) do nothing
            """)
        // Existing units take the names (and the kinds they imply) that the file gives.
        try await query("""
            update org_units o set name = i.name, kind = i.kind
            from import_units i
            where o.tenant_id = \(tenant.uuid) and o.code = i.code and i.name is not null
              and (o.name, o.kind) is distinct from (i.name, i.kind)
            """)
        try await query("""
            update org_units o set parent_id = p.unit_id
            from (select distinct unit_code, parent_code from import_stage) s
            left join org_units p on p.tenant_id = \(tenant.uuid) and p.code = s.parent_code
            where o.tenant_id = \(tenant.uuid) and o.code = s.unit_code and o.parent_id is distinct from p.unit_id
            """)
        // New NIPs by a plain INSERT and changed rows by an UPDATE, each only when `classify` counted some: an
        // upsert inserts every row speculatively (a new city of 100,000 took a quarter longer so) and joins every
        // staged row when none changed. The city's employee writes are locked, so the counts still hold.
        if new > 0 {
            try await query("""
                insert into employees (tenant_id, nip, name, gelar_depan, gelar_belakang, employee_type, jabatan_kind,
                                       jabatan_level, jabatan_name, golongan, unit_id, atasan_nip, status, email, birth_date, gender)
                select \(tenant.uuid), s.nip, s.name, s.gelar_depan, s.gelar_belakang, s.employee_type, s.jabatan_kind,
                       s.jabatan_level, s.jabatan_name, s.golongan, u.unit_id, \(unescaped: atasan.column), s.status, s.email, s.birth_date,
                       s.gender
                from import_stage s \(unescaped: atasan.join)
                join org_units u on u.tenant_id = \(tenant.uuid) and u.code = s.unit_code
                where not exists (select 1 from employees e where e.tenant_id = \(tenant.uuid) and e.nip = s.nip)
                """)
        }
        if changed > 0 {
            try await query("""
                update employees e set
                    name = s.name, gelar_depan = s.gelar_depan, gelar_belakang = s.gelar_belakang,
                    employee_type = s.employee_type, jabatan_kind = s.jabatan_kind, jabatan_level = s.jabatan_level,
                    jabatan_name = s.jabatan_name, golongan = s.golongan, unit_id = u.unit_id,
                    atasan_nip = \(unescaped: atasan.column), status = s.status, email = s.email, birth_date = s.birth_date,
                    gender = s.gender, updated_at = now()
                from import_stage s \(unescaped: atasan.join)
                join org_units u on u.tenant_id = \(tenant.uuid) and u.code = s.unit_code
                where e.tenant_id = \(tenant.uuid) and e.nip = s.nip
                  and (e.name, e.gelar_depan, e.gelar_belakang, e.employee_type, e.jabatan_kind, e.jabatan_level,
                       e.jabatan_name, e.golongan, e.unit_id, e.atasan_nip, e.status, e.email, e.birth_date, e.gender::text)
                      is distinct from (s.name, s.gelar_depan, s.gelar_belakang, s.employee_type, s.jabatan_kind,
                       s.jabatan_level, s.jabatan_name, s.golongan, u.unit_id, \(unescaped: atasan.column), s.status, s.email,
                       s.birth_date, s.gender)
                """)
        }
        if atasan == .derived && !deactivateMissing {
            try await query("""
                update employees e set atasan_nip = r.atasan, updated_at = now()
                from import_rederived r
                where e.tenant_id = \(tenant.uuid) and e.nip = r.nip
                """)
        }
        if deactivateMissing {
            try await query("""
                update employees m set status = 'inactive', updated_at = now()
                where m.tenant_id = \(tenant.uuid) and m.status = 'active'
                  and not exists (select 1 from import_stage t where t.nip = m.nip)
                """)
        }
    }
}
