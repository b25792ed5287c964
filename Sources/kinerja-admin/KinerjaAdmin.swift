import ArgumentParser

/// kinerja-admin: the CLI of regional BKN admins and city HR.
@main
struct KinerjaAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerja-admin",
        abstract: "Administer Kinerja: database, adapters, cities, API keys and demo data.",
        discussion: "With no database setting, commands use the local cluster that 'make db-start' started "
            + "(.data/local.env in this folder or a parent). Otherwise: --database-url or KINERJA_ADMIN_DATABASE_URL "
            + "(the CLI's role, kinerja_admin), and for 'db migrate' --owner-database-url or KINERJA_OWNER_DATABASE_URL "
            + "(the owner role).",
        subcommands: [DBCommand.self, AdapterCommand.self, TenantCommand.self, APIKeyCommand.self, UserCommand.self, RegionalCommand.self, ImportCommand.self, PeriodCommand.self, SKPCommand.self, FeedbackCommand.self, EvaluateCommand.self, FollowUpCommand.self, TPPCommand.self, DisciplineCommand.self, AuditCommand.self, DashboardCommand.self, ReportCommand.self, CalcCommand.self, DemoCommand.self]
    )
}
