import ArgumentParser
import GoalpostDefinitions

@main
struct Goalpost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "goalpost",
        abstract: "Measure what must be true for your customers, per customer, from your telemetry.",
        subcommands: [DemoCommand.self, ServeCommand.self, TokenCommand.self, DeployCommand.self, PlanCommand.self, DefineCommand.self, CatalogCommand.self, CoverageCommand.self, SilenceCommand.self, InvestigateCommand.self, BacktestCommand.self, LocalizeCommand.self, LintCommand.self, ImportCommand.self, ExportCommand.self, SimulateCommand.self, MCPCommand.self, BenchDecodeCommand.self]
    )
}
